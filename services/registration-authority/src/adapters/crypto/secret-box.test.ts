import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { createSecretBox } from './secret-box.js';

describe('adapters/crypto secret box (AES-256-GCM)', () => {
  const box = createSecretBox(randomBytes(32));

  it('opens what it sealed, and never stores the plaintext', () => {
    const sealed = box.seal('JBSWY3DPEHPK3PXP', 'officer-1');
    expect(sealed).to.not.contain('JBSWY3DPEHPK3PXP');
    expect(box.open(sealed, 'officer-1')).to.equal('JBSWY3DPEHPK3PXP');
  });

  it('uses a fresh nonce each time', () => {
    expect(box.seal('same', 'o')).to.not.equal(box.seal('same', 'o'));
  });

  it('refuses a value sealed for another officer, under another key, or altered', () => {
    const sealed = box.seal('JBSWY3DPEHPK3PXP', 'officer-1');
    expect(() => box.open(sealed, 'officer-2')).to.throw();
    expect(() => createSecretBox(randomBytes(32)).open(sealed, 'officer-1')).to.throw();
    const parts = sealed.split('.');
    parts[2] = Buffer.from('x' + Buffer.from(parts[2]!, 'base64url').toString('latin1'), 'latin1').toString(
      'base64url',
    );
    expect(() => box.open(parts.join('.'), 'officer-1')).to.throw();
  });

  it('refuses a key that is not 32 bytes', () => {
    expect(() => createSecretBox(randomBytes(16))).to.throw(/32 bytes/);
  });
});
