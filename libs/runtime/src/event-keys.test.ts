import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { keyIdOf } from '@idp/events';
import { createLogger } from '@idp/observability';
import { loadEventSigner, publicKeyFileFor } from './event-keys.js';

const log = createLogger({ service: 'test', level: 'silent' });

describe('event signing key files', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'event-keys-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('generates a development key once, with its public key next to it, and reuses it', async () => {
    const keyFile = join(dir, 'keys', 'accounts.key.pem');
    const first = await loadEventSigner({ keyFile, generateIfMissing: true, log });
    const pubFile = publicKeyFileFor(keyFile);
    expect(pubFile).to.equal(join(dir, 'keys', 'accounts.pub.pem'));
    expect(keyIdOf(readFileSync(pubFile, 'utf8'))).to.equal(first.keyId);
    expect(statSync(keyFile).mode & 0o077).to.equal(0);
    const again = await loadEventSigner({ keyFile, generateIfMissing: true, log });
    expect(again.keyId).to.equal(first.keyId);
  });

  it('gives replicas starting together one shared key', async () => {
    const keyFile = join(dir, 'otp-sender.key.pem');
    const signers = await Promise.all(
      [1, 2, 3].map(() => loadEventSigner({ keyFile, generateIfMissing: true, log })),
    );
    expect(new Set(signers.map((s) => s.keyId)).size).to.equal(1);
  });

  it('refuses to generate a key where generation is off (production)', async () => {
    const keyFile = join(dir, 'notary.key.pem');
    let error: unknown;
    await loadEventSigner({ keyFile, generateIfMissing: false, log }).catch((e: unknown) => (error = e));
    expect(String(error)).to.match(/event signing key missing/);
  });
});
