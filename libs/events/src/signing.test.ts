import { createHash, createPublicKey } from 'node:crypto';
import { expect } from 'chai';
import {
  createEventSigner,
  createTestSigner,
  generateSigningKeyPair,
  keyIdOf,
  verifySignature,
} from './signing.js';

const bytes = new TextEncoder().encode('{"id":"x","subject":"idp.test.happened.v1"}');

describe('event signing', () => {
  it('signs bytes so the public key verifies them, and nothing else', () => {
    const pair = generateSigningKeyPair();
    const signer = createEventSigner(pair.privateKeyPem);
    const sig = signer.sign(bytes);
    const pub = createPublicKey(pair.publicKeyPem);
    expect(verifySignature(pub, bytes, sig)).to.equal(true);
    const altered = Uint8Array.from(bytes);
    altered[5] = altered[5]! ^ 1;
    expect(verifySignature(pub, altered, sig)).to.equal(false);
    expect(verifySignature(createPublicKey(createTestSigner().publicKeyPem), bytes, sig)).to.equal(false);
  });

  it('rejects malformed signatures instead of throwing', () => {
    const t = createTestSigner();
    const pub = createPublicKey(t.publicKeyPem);
    expect(verifySignature(pub, bytes, '')).to.equal(false);
    expect(verifySignature(pub, bytes, 'not base64 at all!')).to.equal(false);
    expect(verifySignature(pub, bytes, Buffer.alloc(64).toString('base64'))).to.equal(false);
  });

  it('names a key by the first 16 bytes of SHA-256 over its SPKI DER, the same from either half', () => {
    const pair = generateSigningKeyPair();
    const der = createPublicKey(pair.publicKeyPem).export({ type: 'spki', format: 'der' });
    const expected = createHash('sha256').update(der).digest().subarray(0, 16).toString('hex');
    expect(keyIdOf(pair.publicKeyPem)).to.equal(expected).and.to.have.length(32);
    expect(createEventSigner(pair.privateKeyPem).keyId).to.equal(expected);
  });

  it('refuses a key that is not Ed25519', async () => {
    const { generateKeyPairSync } = await import('node:crypto');
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    expect(() => createEventSigner(privateKey)).to.throw(/Ed25519/);
  });
});
