import { expect } from 'chai';
import { DomainError } from '@idp/events';
import { parseEmail } from './email.js';

describe('domain/email parseEmail()', () => {
  it('trims and lower-cases an address', () => {
    expect(parseEmail('  Ana.Novak@Example.SI ')).to.equal('ana.novak@example.si');
    expect(parseEmail('a+tag@sub.example.co.uk')).to.equal('a+tag@sub.example.co.uk');
  });

  it('refuses what is not an address, and over-long ones', () => {
    for (const bad of [
      '',
      'ana',
      'ana@',
      '@example.si',
      'ana@example',
      'ana novak@example.si',
      'ana@@example.si',
      `${'a'.repeat(65)}@example.si`,
      `a@${'b'.repeat(250)}.si`,
    ])
      expect(() => parseEmail(bad), bad)
        .to.throw(DomainError)
        .with.property('code', 'accounts.invalid_email');
  });
});
