import { expect } from 'chai';
import { MAIL_TEMPLATES } from '@idp/events';
import { renderMail } from './templates.js';

const TOKEN = 'A'.repeat(21) + '_-' + 'b'.repeat(20);

describe('mail/templates renderMail()', () => {
  it('puts the confirmation link on the public origin, with the token in the query', () => {
    const m = renderMail('email_confirmation', 'sl', { token: TOKEN }, 'https://login.example.si/');
    expect(m.subject).to.equal('Potrdite svoj e-poštni naslov');
    expect(m.text).to.include(`https://login.example.si/register/confirm?token=${TOKEN}`);
    const en = renderMail('password_reset', 'en', { token: TOKEN }, 'http://localhost:8080');
    expect(en.text).to.include(`http://localhost:8080/password/reset?token=${TOKEN}`);
  });

  it('writes every template in Slovenian and English, differently', () => {
    for (const t of MAIL_TEMPLATES) {
      const sl = renderMail(t, 'sl', { token: TOKEN }, 'https://login.example.si');
      const en = renderMail(t, 'en', { token: TOKEN }, 'https://login.example.si');
      expect(sl.subject, t).not.to.equal(en.subject);
      expect(sl.text.length, t).to.be.greaterThan(50);
    }
  });

  it('refuses to render a link mail without its token', () => {
    expect(() => renderMail('password_reset', 'en', {}, 'https://login.example.si')).to.throw(/token/);
  });

  it('keeps links under a base path', () => {
    const m = renderMail('password_reset', 'en', { token: TOKEN }, 'https://example.si/idp');
    expect(m.text).to.include('https://example.si/idp/password/reset?token=');
  });
});
