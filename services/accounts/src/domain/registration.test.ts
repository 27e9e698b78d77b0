import { expect } from 'chai';
import { DomainError } from '@idp/events';
import { validateRegistration, type RegistrationRequest } from './registration.js';

// 1 March 2026 in Ljubljana: someone born on 2 March 2011 is still 14.
const NOW = new Date('2026-03-01T10:00:00Z');
const TERMS = '2026-01';
const valid: RegistrationRequest = {
  email: ' Ana.Novak@Example.si ',
  password: 'vse lepo in prav',
  givenName: ' Ana ',
  familyName: 'Novak',
  taxNumber: 'SI 50223054',
  emso: '1508985505001',
  birthDate: '1985-08-15',
  address: { street: 'Slovenska cesta 1', postalCode: '1000', city: 'Ljubljana', country: 'si' },
  phone: '+386 40 123 456',
  termsVersion: TERMS,
};
const refusal = (req: Partial<RegistrationRequest>): [string, string] => {
  try {
    validateRegistration({ ...valid, ...req }, NOW, TERMS);
  } catch (e) {
    expect(e).to.be.instanceOf(DomainError);
    return [(e as DomainError).kind, (e as DomainError).code];
  }
  throw new Error('accepted');
};

describe('domain/registration validateRegistration()', () => {
  it('returns every field in canonical form', () => {
    expect(validateRegistration(valid, NOW, TERMS)).to.deep.equal({
      email: 'ana.novak@example.si',
      password: 'vse lepo in prav',
      givenName: 'Ana',
      familyName: 'Novak',
      taxNumber: '50223054',
      emso: '1508985505001',
      birthDate: '1985-08-15',
      address: { street: 'Slovenska cesta 1', postalCode: '1000', city: 'Ljubljana', country: 'SI' },
      phone: '+38640123456',
      termsVersion: TERMS,
    });
  });

  it('takes EMŠO and phone as optional', () => {
    const r = validateRegistration({ ...valid, emso: undefined, phone: '' }, NOW, TERMS);
    expect(r).to.include({ emso: undefined, phone: undefined });
  });

  it('names each broken rule with its own code', () => {
    const cases: [Partial<RegistrationRequest>, string, string][] = [
      [{ termsVersion: '2025-01' }, 'precondition', 'accounts.terms_outdated'],
      [{ email: 'ana@' }, 'invalid_argument', 'accounts.invalid_email'],
      [{ password: 'kratko' }, 'invalid_argument', 'accounts.weak_password'],
      [{ password: 'iloveyou1234' }, 'invalid_argument', 'accounts.common_password'],
      [{ taxNumber: '50223055' }, 'invalid_argument', 'accounts.invalid_tax_number'],
      [{ birthDate: '2011-03-02', emso: undefined }, 'invalid_argument', 'accounts.too_young'],
      [{ emso: '1508985505002' }, 'invalid_argument', 'accounts.invalid_emso'],
      [{ birthDate: '1985-08-16' }, 'invalid_argument', 'accounts.emso_birth_date_mismatch'],
      [{ phone: '+386 1 123 45 67' }, 'invalid_argument', 'accounts.invalid_phone'],
    ];
    for (const [req, kind, code] of cases) expect(refusal(req), code).to.deep.equal([kind, code]);
  });

  it('accepts someone whose 15th birthday is the day of the request', () => {
    expect(
      validateRegistration({ ...valid, birthDate: '2011-03-01', emso: undefined }, NOW, TERMS).birthDate,
    ).to.equal('2011-03-01');
  });
});
