import { expect } from 'chai';
import {
  activationCodeHash,
  activationCodeMatches,
  generateActivationCode,
  generateRequestNumber,
  normalizeActivationCode,
} from './code.js';

const KEY = Buffer.alloc(32, 7);
const REQUEST = '0190d6c2-0000-7000-8000-000000000001';

describe('activation domain/code', () => {
  it('generates 12 Crockford characters in groups of four, different every time', () => {
    const codes = new Set(Array.from({ length: 200 }, () => generateActivationCode()));
    expect(codes.size).to.equal(200);
    for (const c of codes)
      expect(c).to.match(/^[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$/);
  });

  it('draws every character from the whole alphabet', () => {
    expect(generateActivationCode(() => 0)).to.equal('0000-0000-0000');
    expect(generateActivationCode(() => 31)).to.equal('ZZZZ-ZZZZ-ZZZZ');
  });

  it('reads what a citizen types: case, spaces and dashes, and the letters Crockford maps to digits', () => {
    expect(normalizeActivationCode('7kq2-m9xd-4htr')).to.equal('7KQ2M9XD4HTR');
    expect(normalizeActivationCode(' 7KQ2 M9XD 4HTR ')).to.equal('7KQ2M9XD4HTR');
    expect(normalizeActivationCode('IOL0-0000-0000')).to.equal('101000000000');
    expect(normalizeActivationCode('7KQ2-M9XD-4HT')).to.equal(undefined);
    expect(normalizeActivationCode('7KQ2-M9XD-4HTU')).to.equal(undefined);
  });

  it('stores only an HMAC bound to the request, and matches the typed code in any spelling', () => {
    const hash = activationCodeHash(KEY, REQUEST, '7KQ2-M9XD-4HTR');
    expect(hash).to.match(/^[0-9a-f]{64}$/);
    expect(hash).not.to.contain('7KQ2');
    expect(activationCodeMatches(KEY, REQUEST, '7kq2 m9xd 4htr', hash)).to.equal(true);
    expect(activationCodeMatches(KEY, REQUEST, '7KQ2-M9XD-4HTS', hash)).to.equal(false);
    expect(activationCodeMatches(KEY, REQUEST, 'garbage', hash)).to.equal(false);
    expect(activationCodeMatches(Buffer.alloc(32, 8), REQUEST, '7KQ2-M9XD-4HTR', hash)).to.equal(false);
    expect(
      activationCodeMatches(KEY, '0190d6c2-0000-7000-8000-000000000002', '7KQ2-M9XD-4HTR', hash),
    ).to.equal(false);
  });

  it('numbers requests A- and corrections C-, then 8 Crockford characters', () => {
    expect(generateRequestNumber()).to.match(/^A-[0-9A-HJKMNP-TV-Z]{8}$/);
    expect(generateRequestNumber('C')).to.match(/^C-[0-9A-HJKMNP-TV-Z]{8}$/);
  });
});
