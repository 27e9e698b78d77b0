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
    const params = {
      token: TOKEN,
      code: '7KQ2-M9XD-4HTR',
      requestNumber: 'A-7KQ2M9XD',
      expiresAt: '2026-03-01T10:00:00.000Z',
      phoneHint: '+386 •• ••• •56',
      fields: 'family_name,address',
    };
    for (const t of MAIL_TEMPLATES) {
      const sl = renderMail(t, 'sl', params, 'https://login.example.si');
      const en = renderMail(t, 'en', params, 'https://login.example.si');
      expect(sl.subject, t).not.to.equal(en.subject);
      expect(sl.text.length, t).to.be.greaterThan(50);
    }
  });

  it('refuses to render a link mail without its token', () => {
    expect(() => renderMail('password_reset', 'en', {}, 'https://login.example.si')).to.throw(/token/);
  });

  it('writes the activation code, its request number and its last day into the activation mail', () => {
    const m = renderMail(
      'activation_code',
      'en',
      { code: '7KQ2-M9XD-4HTR', requestNumber: 'A-7KQ2M9XD', expiresAt: '2026-03-01T10:00:00.000Z' },
      'https://login.example.si',
    );
    expect(m.text).to.include('7KQ2-M9XD-4HTR').and.include('A-7KQ2M9XD').and.include('2026-03-01');
    expect(() =>
      renderMail('activation_code', 'en', { requestNumber: 'A-7KQ2M9XD' }, 'https://x.si'),
    ).to.throw(/code/);
  });

  it('names the corrected fields in the language of the mail, never a value', () => {
    const sl = renderMail('identity_corrected', 'sl', { fields: 'given_name,family_name' }, 'https://x.si');
    expect(sl.text).to.include('ime, priimek');
    const en = renderMail('identity_corrected', 'en', { fields: 'address' }, 'https://x.si');
    expect(en.text).to.include('changed: permanent address.');
    expect(() => renderMail('identity_corrected', 'en', {}, 'https://x.si')).to.throw(/fields/);
  });

  it('keeps links under a base path', () => {
    const m = renderMail('password_reset', 'en', { token: TOKEN }, 'https://example.si/idp');
    expect(m.text).to.include('https://example.si/idp/password/reset?token=');
  });
});
