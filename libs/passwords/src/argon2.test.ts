import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { expect } from 'chai';
import { Registry } from '@idp/observability';
import { createArgon2Hasher } from './argon2.js';
import { argon2HasherFromConfig } from './config.js';
import { transparentHugePages } from './huge-pages.js';

// Cheap parameters: the tests are about behaviour, not cost.
const params = { memoryKib: 1024, timeCost: 1, parallelism: 1 };

describe('argon2 hasher', () => {
  const hasher = createArgon2Hasher(params);

  it('makes argon2id hashes with the given parameters that verify the right password only', async () => {
    const stored = await hasher.hash('correct horse battery staple');
    expect(stored).to.match(/^\$argon2id\$v=19\$m=1024,t=1,p=1\$/);
    expect(await hasher.verify(stored, 'correct horse battery staple')).to.equal(true);
    expect(await hasher.verify(stored, 'correct horse battery stapler')).to.equal(false);
  });

  it('answers false for an unknown account, after checking the dummy hash', async () => {
    expect(await hasher.verify(undefined, 'anything')).to.equal(false);
    expect(await hasher.verify(undefined, '')).to.equal(false);
  });

  it('asks for a rehash when the parameters changed or the hash is not argon2id', async () => {
    const stored = await hasher.hash('pw');
    expect(hasher.needsRehash(stored)).to.equal(false);
    expect(createArgon2Hasher({ ...params, timeCost: 2 }).needsRehash(stored)).to.equal(true);
    expect(createArgon2Hasher({ ...params, memoryKib: 2048 }).needsRehash(stored)).to.equal(true);
    expect(hasher.needsRehash(stored.replace('$argon2id$', '$argon2i$'))).to.equal(true);
    expect(hasher.needsRehash('not a hash')).to.equal(true);
  });

  it('computes at most `concurrency` hashes at once and queues the rest, every answer still right', async () => {
    const limited = createArgon2Hasher(params, { concurrency: 2 });
    const stored = await limited.hash('pw');
    const checks = Promise.all([
      ...Array.from({ length: 5 }, (_, i) => limited.verify(stored, i % 2 ? 'pw' : 'wrong')),
      limited.verify(undefined, 'pw'),
    ]);
    let done = false;
    void checks.finally(() => (done = true));
    const seen = { running: 0, waiting: 0 };
    while (!done) {
      const { running, waiting } = limited.load();
      seen.running = Math.max(seen.running, running);
      seen.waiting = Math.max(seen.waiting, waiting);
      await nextTurn();
    }
    expect(await checks).to.deep.equal([false, true, false, true, false, false]);
    expect(seen.running).to.equal(2);
    expect(seen.waiting).to.be.greaterThan(0);
    expect(limited.load()).to.deep.equal({ running: 0, waiting: 0 });
  });

  it('reports its load as idp_password_hashes when built from a service config', async () => {
    const registry = new Registry();
    const fromConfig = argon2HasherFromConfig(
      { ARGON2_MEMORY_KIB: 1024, ARGON2_TIME_COST: 1, ARGON2_PARALLELISM: 1, ARGON2_CONCURRENCY: 1 },
      registry,
    );
    const stored = await fromConfig.hash('pw');
    const pending = Promise.all([fromConfig.verify(stored, 'pw'), fromConfig.verify(stored, 'pw')]);
    // Microtasks only: the first check starts, and its result cannot come back before the next turn.
    for (let i = 0; i < 10 && fromConfig.load().running === 0; i++) await Promise.resolve();
    const during = await registry.getSingleMetricAsString('idp_password_hashes');
    expect(during).to.include('idp_password_hashes{state="running"} 1');
    expect(during).to.include('idp_password_hashes{state="waiting"} 1');
    expect(await pending).to.deep.equal([true, true]);
    const after = await registry.getSingleMetricAsString('idp_password_hashes');
    expect(after).to.include('idp_password_hashes{state="running"} 0');
  });

  describe('transparent huge pages', () => {
    const cheap = { ARGON2_MEMORY_KIB: 1024, ARGON2_TIME_COST: 1, ARGON2_PARALLELISM: 1 };
    let dir: string;
    before(() => (dir = mkdtempSync(join(tmpdir(), 'thp-'))));
    after(() => rmSync(dir, { recursive: true, force: true }));
    const modeIn = (text: string) => {
      const file = join(dir, 'enabled');
      writeFileSync(file, text);
      return transparentHugePages(file);
    };

    it('reads the bracketed mode, and nothing from a missing or unrecognised file', () => {
      expect(modeIn('always [madvise] never\n')).to.equal('madvise');
      expect(modeIn('[always] madvise never\n')).to.equal('always');
      expect(modeIn('always madvise [never]\n')).to.equal('never');
      expect(modeIn('always madvise never\n')).to.equal(undefined);
      expect(transparentHugePages(join(dir, 'missing'))).to.equal(undefined);
    });

    it('warns once at start-up and shows the mode as a metric when huge pages are off', async () => {
      const warnings: string[] = [];
      const registry = new Registry();
      argon2HasherFromConfig(cheap, registry, {
        hugePages: 'never',
        warn: (_details, message) => warnings.push(message),
      });
      expect(warnings).to.have.length(1);
      expect(warnings[0]).to.match(/transparent huge pages are off.*twice the CPU/);
      expect(await registry.getSingleMetricAsString('idp_password_hash_huge_pages')).to.include(
        'idp_password_hash_huge_pages{mode="never"} 1',
      );
    });

    it('says nothing with madvise, and "unknown" where the mode cannot be read', async () => {
      const warnings: string[] = [];
      const warn = (_details: Record<string, unknown>, message: string) => warnings.push(message);
      const madvise = new Registry();
      argon2HasherFromConfig(cheap, madvise, { hugePages: 'madvise', warn });
      const unknown = new Registry();
      argon2HasherFromConfig(cheap, unknown, { hugePages: undefined, warn });
      expect(warnings).to.deep.equal([]);
      expect(await madvise.getSingleMetricAsString('idp_password_hash_huge_pages')).to.include(
        'idp_password_hash_huge_pages{mode="madvise"} 1',
      );
      expect(await unknown.getSingleMetricAsString('idp_password_hash_huge_pages')).to.include(
        'idp_password_hash_huge_pages{mode="unknown"} 1',
      );
    });
  });
});
