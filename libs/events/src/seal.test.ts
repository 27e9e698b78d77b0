import { expect } from 'chai';
import { createSealer, deriveKey } from './seal.js';

describe('seal', () => {
  const sealer = createSealer(deriveKey('a development secret of 32+ chars!!', 'test/v1'));

  it('opens what it sealed, for the same context only', () => {
    const sealed = sealer.seal('{"to":"ana@example.si"}', 'job-1');
    expect(sealed).not.to.include('ana');
    expect(sealer.open(sealed, 'job-1')).to.equal('{"to":"ana@example.si"}');
    expect(() => sealer.open(sealed, 'job-2')).to.throw();
  });

  it('refuses another key and a tampered value', () => {
    const sealed = sealer.seal('x', 'c');
    const other = createSealer(deriveKey('a development secret of 32+ chars!!', 'other/v1'));
    expect(() => other.open(sealed, 'c')).to.throw();
    const raw = Buffer.from(sealed, 'base64url');
    raw[raw.length - 1]! ^= 1;
    expect(() => sealer.open(raw.toString('base64url'), 'c')).to.throw();
  });

  it('opens values in the format sealed before the services shared this code (in-flight jobs survive a deploy)', () => {
    // Sealed by the sealer otp-sender carried itself, before it used this one: same key derivation and layout.
    const smsKey = createSealer(deriveKey('a development secret of 32+ chars!!', 'idp/otp-sender/seal/v1'));
    const sealed = 'AUwesDJJ0fZ-guj6BnzCjiPNqHXW-wJFatZuj4mOzHn6xorGWwq8WHI';
    expect(smsKey.open(sealed, 'sms-job:abc')).to.equal('Koda: 123456');
    expect(() => smsKey.open(sealed, 'sms-job:abd')).to.throw();
  });

  it('derives 32-byte keys that differ per purpose', () => {
    const secret = 'a development secret of 32+ chars!!';
    expect(deriveKey(secret, 'a')).to.have.length(32);
    expect(deriveKey(secret, 'a').equals(deriveKey(secret, 'b'))).to.equal(false);
    expect(() => createSealer(Buffer.alloc(16))).to.throw('32 bytes');
  });
});
