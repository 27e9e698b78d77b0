import { readFileSync } from 'node:fs';
import { expect } from 'chai';
import {
  EVENT_CATALOG_PAGE,
  renderEventCatalogMarkdown,
  renderEventCatalogPage,
} from './asyncapi-markdown.js';
import { buildAsyncApi } from './asyncapi.js';
import { catalog } from './catalog.js';

describe('event catalog page (docs/event-catalog.md)', function () {
  this.timeout(20_000);
  const doc = buildAsyncApi(catalog);

  it('is current: what `pnpm asyncapi` generates from the catalog is what is committed', async () => {
    const committed = readFileSync(EVENT_CATALOG_PAGE, 'utf8');
    expect(committed === (await renderEventCatalogPage(doc)), 'run `pnpm asyncapi` and commit').to.equal(
      true,
    );
  });

  it('has a section for every subject of the catalog, with who produces and consumes it', () => {
    const page = renderEventCatalogMarkdown(doc);
    for (const d of [...catalog.events, ...catalog.jobs, ...catalog.rpcs])
      expect(page, d.subject).to.contain(`### \`${d.subject}\``);
    expect(page).to.match(/### `idp\.session\.started\.v1`\n\n[^\n]+\n\nProduced by idp-gateway;/);
    expect(page).to.contain('Answered by **accounts**; called by idp-gateway.');
  });

  it("lists an event's data fields with their types and whether they are required", () => {
    const page = renderEventCatalogMarkdown(doc);
    const section = page.slice(page.indexOf('### `idp.otp.code_issued.v1`'));
    expect(section).to.match(/\| `challengeId` \| string \(uuid\) \| yes \|/);
    expect(section).to.match(/\| `purpose` \| `login`, `bind_phone` \| yes \|/);
  });
});
