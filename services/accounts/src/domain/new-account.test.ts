import { expect } from 'chai';
import { DomainError } from '@idp/events';
import { validateNewAccount, type NewAccountRequest } from './new-account.js';

const NOW = new Date('2026-03-01T10:00:00Z');
const valid: NewAccountRequest = {
  email: 'ana.novak@example.si',
  password: 'correct horse battery',
  givenName: 'Ana',
  familyName: 'Novak',
  taxNumber: 'SI 50223054',
  birthDate: '1990-05-17',
  phone: '+386 40 123 456',
  smsPass: 'active',
};

const refusal = (req: Partial<NewAccountRequest>): [string, string] => {
  try {
    validateNewAccount({ ...valid, ...req }, NOW);
  } catch (e) {
    expect(e).to.be.instanceOf(DomainError);
    return [(e as DomainError).kind, (e as DomainError).code];
  }
  throw new Error('accepted');
};

describe('domain/new-account validateNewAccount()', () => {
  it('returns every field in its canonical form', () => {
    expect(validateNewAccount(valid, NOW)).to.deep.equal({
      email: 'ana.novak@example.si',
      password: 'correct horse battery',
      givenName: 'Ana',
      familyName: 'Novak',
      taxNumber: '50223054',
      birthDate: '1990-05-17',
      phone: '+38640123456',
      smsPass: 'active',
    });
  });

  it('needs only an e-mail and a password', () => {
    const a = validateNewAccount({ email: 'x@example.si', password: 'twelve chars', smsPass: 'none' }, NOW);
    expect(a).to.include({ taxNumber: undefined, phone: undefined, birthDate: undefined, smsPass: 'none' });
  });

  it('names each broken rule with its own code', () => {
    expect(refusal({ password: 'short' })).to.deep.equal(['invalid_argument', 'accounts.weak_password']);
    expect(refusal({ taxNumber: '50223055' })).to.deep.equal([
      'invalid_argument',
      'accounts.invalid_tax_number',
    ]);
    expect(refusal({ phone: '040 123 456' })).to.deep.equal(['invalid_argument', 'accounts.invalid_phone']);
    expect(refusal({ phone: undefined })).to.deep.equal(['invalid_argument', 'accounts.phone_required']);
    expect(refusal({ birthDate: '2011-03-02' })).to.deep.equal(['invalid_argument', 'accounts.too_young']);
    expect(refusal({ birthDate: '2011-02-30' })).to.deep.equal([
      'invalid_argument',
      'accounts.invalid_birth_date',
    ]);
  });

  it('accepts a phone without smsPASS (it stays unverified) and a 15th birthday today', () => {
    expect(validateNewAccount({ ...valid, smsPass: 'none' }, NOW).phone).to.equal('+38640123456');
    expect(validateNewAccount({ ...valid, birthDate: '2011-03-01' }, NOW).birthDate).to.equal('2011-03-01');
  });
});
