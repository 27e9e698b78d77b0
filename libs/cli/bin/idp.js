#!/usr/bin/env node
// The built CLI. The bin is this committed file rather than dist/main.js, so that pnpm can link it
// on a fresh clone before the first build (it warns about a missing target otherwise).
await import('../dist/main.js');
