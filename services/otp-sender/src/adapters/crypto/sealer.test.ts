import { expect } from 'chai';
import { createSealer, deriveKey } from './sealer.js';

const secret = 'development-secret-of-at-least-32-characters';

describe('adapters/crypto sealer', () => {
  const sealer = createSealer(deriveKey(secret, 'seal'));

  it('opens what it sealed for the same context, and the sealed form hides the text', () => {
    const sealed = sealer.seal('code 123456 to +38640123456', 'sms-job:a');
    expect(sealed).to.not.contain('123456');
    expect(sealer.open(sealed, 'sms-job:a')).to.equal('code 123456 to +38640123456');
    expect(sealer.seal('same', 'c')).to.not.equal(sealer.seal('same', 'c'));
  });

  it('refuses another context, another key, or a changed byte', () => {
    const sealed = sealer.seal('text', 'sms-job:a');
    expect(() => sealer.open(sealed, 'sms-job:b')).to.throw();
    expect(() => createSealer(deriveKey(secret, 'other purpose')).open(sealed, 'sms-job:a')).to.throw();
    const raw = Buffer.from(sealed, 'base64url');
    raw.writeUInt8(raw.readUInt8(raw.length - 1) ^ 1, raw.length - 1);
    expect(() => sealer.open(raw.toString('base64url'), 'sms-job:a')).to.throw();
  });

  it('derives different keys for different purposes', () => {
    expect(deriveKey(secret, 'a').equals(deriveKey(secret, 'b'))).to.equal(false);
    expect(deriveKey(secret, 'a')).to.have.length(32);
  });
});
