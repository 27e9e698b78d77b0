/**
 * `pnpm asyncapi` writes docs/asyncapi.json and its readable page docs/event-catalog.md from the event
 * catalog; `pnpm asyncapi --check` exits 1 when either file on disk is not what the catalog generates.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { EVENT_CATALOG_PAGE, renderEventCatalogPage } from './asyncapi-markdown.js';
import { ASYNCAPI_FILE, buildAsyncApi, renderAsyncApi } from './asyncapi.js';
import { catalog } from './catalog.js';

const doc = buildAsyncApi(catalog);
const files: [string, string][] = [
  [ASYNCAPI_FILE, await renderAsyncApi(doc, ASYNCAPI_FILE)],
  [EVENT_CATALOG_PAGE, await renderEventCatalogPage(doc)],
];
const check = process.argv.includes('--check');
for (const [file, text] of files) {
  if (check) {
    let current: string | undefined;
    try {
      current = readFileSync(file, 'utf8');
    } catch {
      // A missing file is simply not current.
    }
    if (current !== text) {
      process.stderr.write(`${file} is not current: run \`pnpm asyncapi\` and commit it.\n`);
      process.exitCode = 1;
    } else process.stdout.write(`${file} is current.\n`);
  } else {
    writeFileSync(file, text);
    process.stdout.write(`wrote ${file}\n`);
  }
}
