import { expect } from 'chai';
import { DomainError } from '@idp/events';
import { parseBirthDate } from './age.js';
import { assertEmsoMatchesBirthDate, emsoCheckDigit, parseEmso } from './emso.js';

const refusal = (f: () => unknown): [string, string] => {
  try {
    f();
  } catch (e) {
    expect(e).to.be.instanceOf(DomainError);
    return [(e as DomainError).kind, (e as DomainError).code];
  }
  throw new Error('accepted');
};
const INVALID: [string, string] = ['invalid_argument', 'accounts.invalid_emso'];

describe('domain/emso', () => {
  it('accepts a valid EMŠO and reads the birth date from it', () => {
    // The first boy registered in Slovenia on 1 January 2006 (sl.wikipedia).
    expect(parseEmso('0101006500006')).to.deep.equal({
      emso: '0101006500006',
      birthDate: { year: 2006, month: 1, day: 1 },
    });
    // Born 15 August 1985: YYY 985 is 1985.
    expect(parseEmso(' 1508985 505001 ').birthDate).to.deep.equal({ year: 1985, month: 8, day: 15 });
  });

  it('rejects a wrong check digit', () => {
    expect(refusal(() => parseEmso('0101006500007'))).to.deep.equal(INVALID);
    expect(refusal(() => parseEmso('1508985505002'))).to.deep.equal(INVALID);
  });

  it('maps 11 − (S mod 11) of 10 and 11 to check digit 0', () => {
    // S = 197, remainder 10: the ordinary case, 11 − 10 = 1.
    expect(emsoCheckDigit('150898550500')).to.equal(1);
    // Serial numbers whose sums leave remainder 0 and 1, the two wrapping cases.
    const digitsFor = (remainder: number) => {
      for (let serial = 0; serial < 1000; serial++) {
        const first12 = `010100650${String(serial).padStart(3, '0')}`;
        const s = [7, 6, 5, 4, 3, 2, 7, 6, 5, 4, 3, 2].reduce((a, w, i) => a + w * Number(first12[i]), 0);
        if (s % 11 === remainder) return first12;
      }
      throw new Error('none');
    };
    expect(emsoCheckDigit(digitsFor(0))).to.equal(0);
    expect(emsoCheckDigit(digitsFor(1))).to.equal(0);
    expect(parseEmso(`${digitsFor(1)}0`).emso).to.have.length(13);
  });

  it('rejects wrong lengths, letters and dates that do not exist', () => {
    for (const bad of [
      '010100650000',
      '01010065000066',
      '01010065000a6',
      '',
      '3002006500006',
      '0113006500006',
    ])
      expect(
        refusal(() => parseEmso(bad)),
        bad,
      ).to.deep.equal(INVALID);
  });

  it('must agree with the date of birth given beside it', () => {
    const emso = parseEmso('0101006500006');
    expect(() => assertEmsoMatchesBirthDate(emso, parseBirthDate('2006-01-01'))).not.to.throw();
    expect(refusal(() => assertEmsoMatchesBirthDate(emso, parseBirthDate('2006-01-02')))).to.deep.equal([
      'invalid_argument',
      'accounts.emso_birth_date_mismatch',
    ]);
    // Same day and month, a thousand years apart: 1006 is not what 006 means.
    expect(refusal(() => assertEmsoMatchesBirthDate(emso, parseBirthDate('1906-01-01')))).to.deep.equal([
      'invalid_argument',
      'accounts.emso_birth_date_mismatch',
    ]);
  });
});
