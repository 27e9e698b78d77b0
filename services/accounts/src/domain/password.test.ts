import { expect } from 'chai';
import { DomainError } from '@idp/events';
import { assertAcceptablePassword, normalizePassword } from './password.js';

describe('domain/password', () => {
  it('accepts 12 characters of anything, with no composition rules', () => {
    expect(() => assertAcceptablePassword('aaaaaaaaaaaa')).not.to.throw();
    expect(() => assertAcceptablePassword('correct horse')).not.to.throw();
  });

  it('refuses fewer than 12 characters with accounts.weak_password', () => {
    expect(() => assertAcceptablePassword('Sh0rt!pass#'))
      .to.throw(DomainError)
      .with.property('code', 'accounts.weak_password');
  });

  it('counts characters, not UTF-16 units', () => {
    // 11 emoji are 22 UTF-16 units but 11 characters.
    expect(() => assertAcceptablePassword('🔑'.repeat(11))).to.throw(DomainError);
    expect(() => assertAcceptablePassword('🔑'.repeat(12))).not.to.throw();
  });

  it('normalises composed and decomposed letters to the same password', () => {
    expect(normalizePassword('c\u030Cebula')).to.equal(normalizePassword('\u010Debula'));
  });
});
