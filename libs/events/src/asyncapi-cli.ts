/**
 * `pnpm asyncapi` writes docs/asyncapi.json from the event catalog; `pnpm asyncapi --check` exits 1
 * when the file on disk is not what the catalog generates.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { ASYNCAPI_FILE, buildAsyncApi, renderAsyncApi } from './asyncapi.js';
import { catalog } from './catalog.js';

const text = await renderAsyncApi(buildAsyncApi(catalog), ASYNCAPI_FILE);
if (process.argv.includes('--check')) {
  let current: string | undefined;
  try {
    current = readFileSync(ASYNCAPI_FILE, 'utf8');
  } catch {
    // A missing file is simply not current.
  }
  if (current !== text) {
    process.stderr.write(`${ASYNCAPI_FILE} is not current: run \`pnpm asyncapi\` and commit it.\n`);
    process.exitCode = 1;
  } else process.stdout.write(`${ASYNCAPI_FILE} is current.\n`);
} else {
  writeFileSync(ASYNCAPI_FILE, text);
  process.stdout.write(`wrote ${ASYNCAPI_FILE}\n`);
}
