import { expect } from 'chai';
import { DomainError } from '@idp/events';
import {
  isValidTaxNumber,
  normalizeTaxNumber,
  parseTaxNumber,
  taxNumberCheckDigit,
  taxNumberProblem,
} from './tax-number.js';

describe('domain/tax-number', () => {
  it('accepts numbers whose eighth digit is the mod-11 check digit', () => {
    expect(isValidTaxNumber('50223054')).to.equal(true);
    expect(isValidTaxNumber('98511734')).to.equal(true);
  });

  it('rejects a wrong check digit', () => {
    expect(isValidTaxNumber('50223055')).to.equal(false);
    expect(taxNumberProblem('50223055')).to.equal('checksum');
  });

  it('maps a computed check digit of 10 to 0', () => {
    expect(taxNumberCheckDigit('1000002')).to.equal(0);
    expect(isValidTaxNumber('10000020')).to.equal(true);
  });

  it('rejects every number whose first seven digits leave remainder 0 (never issued)', () => {
    expect(taxNumberCheckDigit('1000007')).to.equal(undefined);
    for (let d = 0; d <= 9; d++) expect(isValidTaxNumber(`1000007${d}`), `1000007${d}`).to.equal(false);
  });

  it('strips the SI prefix and spaces before checking', () => {
    expect(normalizeTaxNumber(' SI 502 230 54 ')).to.equal('50223054');
    expect(normalizeTaxNumber('si50223054')).to.equal('50223054');
    expect(parseTaxNumber('SI50223054')).to.equal('50223054');
  });

  it('rejects wrong lengths, a leading 0 and non-digits as a format problem', () => {
    for (const bad of ['5022305', '502230544', '05022305', '5022305a', '', 'SI'])
      expect(taxNumberProblem(normalizeTaxNumber(bad)), bad).to.equal('format');
  });

  it('parseTaxNumber throws accounts.invalid_tax_number as invalid_argument', () => {
    for (const bad of ['50223055', '123'])
      expect(() => parseTaxNumber(bad))
        .to.throw(DomainError)
        .with.property('code', 'accounts.invalid_tax_number');
    try {
      parseTaxNumber('50223055');
    } catch (e) {
      expect((e as DomainError).kind).to.equal('invalid_argument');
    }
  });
});
