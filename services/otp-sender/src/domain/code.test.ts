import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { codeHmac, codeMatches, generateCode } from './code.js';

const key = randomBytes(32);
const CH = '0190f0c4-0000-7000-8000-000000000001';

describe('domain/code', () => {
  it('draws 6 digits, keeping leading zeros', () => {
    expect(generateCode(() => 42)).to.equal('000042');
    for (let i = 0; i < 200; i++) expect(generateCode()).to.match(/^\d{6}$/);
  });

  it('asks the CSPRNG for a number below 10^6', () => {
    let asked = 0;
    generateCode((max) => {
      asked = max;
      return 0;
    });
    expect(asked).to.equal(1_000_000);
  });

  it('stores an HMAC that does not contain the code', () => {
    const h = codeHmac(key, CH, '123456');
    expect(h).to.not.contain('123456');
    expect(Buffer.from(h, 'base64url')).to.have.length(32);
  });

  it('matches only the right code for the same challenge and key', () => {
    const h = codeHmac(key, CH, '123456');
    expect(codeMatches(key, CH, '123456', h)).to.equal(true);
    expect(codeMatches(key, CH, '123457', h)).to.equal(false);
    expect(codeMatches(key, '0190f0c4-0000-7000-8000-000000000002', '123456', h)).to.equal(false);
    expect(codeMatches(randomBytes(32), CH, '123456', h)).to.equal(false);
    expect(codeMatches(key, CH, '123456', 'short')).to.equal(false);
  });
});
