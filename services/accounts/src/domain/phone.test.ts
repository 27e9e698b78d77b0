import { expect } from 'chai';
import { DomainError } from '@idp/events';
import { maskPhone, parseMobilePhone } from './phone.js';

const code = (f: () => unknown) => {
  try {
    f();
  } catch (e) {
    expect(e).to.be.instanceOf(DomainError);
    return [(e as DomainError).kind, (e as DomainError).code];
  }
  throw new Error('did not throw');
};

describe('domain/phone parseMobilePhone()', () => {
  it('normalises a Slovenian mobile number to E.164', () => {
    expect(parseMobilePhone('+386 40 123 456')).to.equal('+38640123456');
    expect(parseMobilePhone('+38640123456')).to.equal('+38640123456');
    expect(parseMobilePhone(' 00386 41 123 456 ')).to.equal('+38641123456');
  });

  it('accepts foreign mobiles, and numbering plans that do not tell mobile from fixed', () => {
    expect(parseMobilePhone('+41 79 123 45 67')).to.equal('+41791234567');
    expect(parseMobilePhone('+1 202 555 0123')).to.equal('+12025550123');
  });

  it('refuses a number without a country code instead of guessing one', () => {
    expect(code(() => parseMobilePhone('040 123 456'))).to.deep.equal([
      'invalid_argument',
      'accounts.invalid_phone',
    ]);
  });

  it('refuses fixed lines, impossible numbers and text', () => {
    for (const bad of ['+41 44 668 18 00', '+386 40 12', '+386 40 123 456 789', 'phone', '+', ''])
      expect(
        code(() => parseMobilePhone(bad)),
        bad,
      ).to.deep.equal(['invalid_argument', 'accounts.invalid_phone']);
  });
});

describe('domain/phone maskPhone()', () => {
  it('keeps the country code and the last two digits, in the usual grouping', () => {
    expect(maskPhone('+38640123456')).to.equal('+386 •• ••• •56');
    expect(maskPhone('+41791234567')).to.equal('+41 •• ••• •• 67');
  });

  it('shows no other digit of the number', () => {
    const hint = maskPhone('+38640123456');
    expect(hint.replace(/^\+386/, '').replace(/[^\d]/g, '')).to.equal('56');
  });
});
