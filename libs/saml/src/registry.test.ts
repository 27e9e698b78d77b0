import { expect } from 'chai';
import { mkdtempSync, rmSync, writeFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitFor } from '@idp/testing';
import { spMetadataXml } from './__fixtures__/sp-metadata.js';
import { defaultPolicy } from './policy.js';
import { loadRegistryDir, openSpRegistry, registryName, removeSp, saveSp } from './registry.js';

const silent = { info: () => undefined, warn: () => undefined, error: () => undefined };

describe('saml SP registry directory', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'idp-sp-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('saves metadata and policy side by side and loads them back', async () => {
    await saveSp(dir, spMetadataXml({}), {
      ...defaultPolicy(),
      attributes: ['tax_number'],
      signResponse: true,
    });
    const name = registryName('https://sp.example.org/saml');
    expect(readdirSync(dir).sort()).to.deep.equal([`${name}.metadata.xml`, `${name}.policy.json`]);
    const { sps, problems } = await loadRegistryDir(dir);
    expect(problems).to.deep.equal([]);
    expect(sps[0]!.policy).to.include({ signResponse: true, minLoa: 'substantial' });
    expect(sps[0]!.policy.attributes).to.deep.equal(['tax_number']);
  });

  it('reports a broken entry without losing the others', async () => {
    await saveSp(dir, spMetadataXml({ entityId: 'https://a.example.org/sp' }), defaultPolicy());
    writeFileSync(join(dir, 'broken.metadata.xml'), '<not-metadata/>');
    writeFileSync(
      join(dir, 'badpolicy.metadata.xml'),
      spMetadataXml({ entityId: 'https://b.example.org/sp' }),
    );
    writeFileSync(join(dir, 'badpolicy.policy.json'), JSON.stringify({ minLoa: 'extreme' }));
    const { sps, problems } = await loadRegistryDir(dir);
    expect(sps.map((s) => s.entityId)).to.deep.equal(['https://a.example.org/sp']);
    expect(problems.map((p) => p.file).sort()).to.deep.equal([
      'badpolicy.policy.json',
      'broken.metadata.xml',
    ]);
  });

  it('applies additions, changes and removals without a restart, keeping the last good version of a broken SP', async () => {
    const registry = await openSpRegistry({ dir, log: silent, pollMs: 100 });
    try {
      expect(registry.list()).to.have.length(0);
      const sp = await saveSp(
        dir,
        spMetadataXml({ entityId: 'https://live.example.org/sp' }),
        defaultPolicy(),
      );
      await waitFor('SP to appear', () => registry.lookup('https://live.example.org/sp'), 5000);
      await saveSp(dir, spMetadataXml({ entityId: 'https://live.example.org/sp' }), {
        ...defaultPolicy(),
        minLoa: 'low',
      });
      await waitFor(
        'policy change',
        () => registry.lookup('https://live.example.org/sp')?.policy.minLoa === 'low',
        5000,
      );
      writeFileSync(join(dir, `${sp.name}.metadata.xml`), '<broken');
      await new Promise((r) => setTimeout(r, 400));
      expect(registry.lookup('https://live.example.org/sp')?.policy.minLoa).to.equal('low');
      expect(await removeSp(dir, 'https://nobody.example.org')).to.equal(false);
      await saveSp(dir, spMetadataXml({ entityId: 'https://live.example.org/sp' }), defaultPolicy());
      expect(await removeSp(dir, 'https://live.example.org/sp')).to.equal(true);
      await waitFor('SP to disappear', () => !registry.lookup('https://live.example.org/sp'), 5000);
    } finally {
      registry.close();
    }
  });
});
