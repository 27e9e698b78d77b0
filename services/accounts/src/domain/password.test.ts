import { expect } from 'chai';
import { DomainError } from '@idp/events';
import { assertAcceptablePassword, normalizePassword } from './password.js';

const code = (password: string, email?: string): string | undefined => {
  try {
    assertAcceptablePassword(normalizePassword(password), email ? { email } : {});
    return undefined;
  } catch (e) {
    expect(e).to.be.instanceOf(DomainError);
    expect((e as DomainError).kind).to.equal('invalid_argument');
    return (e as DomainError).code;
  }
};

describe('domain/password', () => {
  it('accepts 12 characters or more of anything, with no composition rules', () => {
    for (const ok of [
      'correct horse',
      'twelve chars',
      'vse lepo in prav',
      'ščepec soli!',
      'x'.repeat(5) + 'yz12345',
    ])
      expect(code(ok), ok).to.equal(undefined);
  });

  it('refuses fewer than 12 characters with accounts.weak_password', () => {
    expect(code('Sh0rt!pass#')).to.equal('accounts.weak_password');
  });

  it('refuses more than 256 characters with accounts.password_too_long', () => {
    const text = (n: number) =>
      Array.from({ length: n }, (_, i) => String.fromCharCode(97 + ((i * 7) % 26))).join('');
    expect(code(text(256))).to.equal(undefined);
    expect(code(text(257))).to.equal('accounts.password_too_long');
  });

  it('counts characters, not UTF-16 units', () => {
    // 11 distinct emoji are 22 UTF-16 units but 11 characters.
    const emoji = ['🔑', '🐸', '🌲', '🚲', '🍎', '🎈', '🧀', '🎻', '🦉', '🌙', '🧭', '🪁'];
    expect(code(emoji.slice(0, 11).join(''))).to.equal('accounts.weak_password');
    expect(code(emoji.join(''))).to.equal(undefined);
  });

  it('refuses passwords on the shipped common/breached list, whatever their case', () => {
    for (const bad of ['qwertyuiop123', '1qaz2wsx3edc', 'QAZWSXEDCRFV', 'leavemealone', 'Sonyericsson'])
      expect(code(bad), bad).to.equal('accounts.common_password');
  });

  it('refuses a common password dressed up with digits and symbols around it', () => {
    expect(code('Password2024!')).to.equal('accounts.common_password');
    expect(code('!!sunshine123')).to.equal('accounts.common_password');
  });

  it('refuses repetitions of a short unit and runs of consecutive characters', () => {
    for (const bad of [
      'aaaaaaaaaaaa',
      'abcabcabcabc',
      'xy12xy12xy12',
      '123456789012',
      'abcdefghijklm',
      '987654321098',
    ])
      expect(code(bad), bad).to.equal('accounts.common_password');
    // A long unit said twice is as strong as the unit itself, which meets the rule.
    expect(code('mojpesjeljubek mojpesjeljubek')).to.equal(undefined);
  });

  it('refuses passwords built on the e-mail name or the service name', () => {
    expect(code('ana.novak2026!', 'Ana.Novak@example.si')).to.equal('accounts.common_password');
    expect(code('smspass-2026!!')).to.equal('accounts.common_password');
    expect(code('ana.novak plete nogavice', 'ana.novak@example.si')).to.equal(undefined);
  });

  it('normalises composed and decomposed letters to the same password', () => {
    expect(normalizePassword('c\u030Cebula')).to.equal(normalizePassword('\u010Debula'));
  });
});
