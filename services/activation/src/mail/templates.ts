import type { MailLanguage, MailTemplate } from '@idp/events';
import type { z } from '@idp/config';
import {
  activationCodeMail,
  expiryNoticeMail,
  identityCorrectedMail,
  phoneAddedMail,
} from '../domain/mail-text.js';

export type Template = z.infer<typeof MailTemplate>;
export type Language = z.infer<typeof MailLanguage>;

export interface RenderedMail {
  subject: string;
  text: string;
}

/**
 * Where the links in mails lead, relative to the IdP's public base URL. The gateway's registration and reset
 * pages answer these paths; the token travels in the query string of a GET the page turns into a
 * POST, so a mail scanner prefetching the link does not spend it.
 */
export const LINK_PATHS: Partial<Record<Template, string>> = {
  email_confirmation: 'register/confirm',
  password_reset: 'password/reset',
};

const SIGNATURE: Record<Language, string> = {
  sl: '\n\n--\nsmsPASS · to sporočilo je poslano samodejno, nanj ne odgovarjajte.',
  en: '\n\n--\nsmsPASS · this message was sent automatically; please do not reply.',
};

type Params = Readonly<Record<string, string>>;
type Texts = Record<Language, (link: string, params: Params) => RenderedMail>;

const need = (template: Template, params: Params, name: string): string => {
  const v = params[name];
  if (!v) throw new Error(`mail template ${template} needs ${name}`);
  return v;
};
const activationCode = (lang: Language) => (_link: string, p: Params) =>
  activationCodeMail({
    code: need('activation_code', p, 'code'),
    requestNumber: need('activation_code', p, 'requestNumber'),
    expiresAt: new Date(need('activation_code', p, 'expiresAt')),
    lang,
  });
const activationExpired = (lang: Language) => (_link: string, p: Params) =>
  expiryNoticeMail({ requestNumber: need('activation_expired', p, 'requestNumber'), lang });
const phoneAdded = (lang: Language) => (_link: string, p: Params) =>
  phoneAddedMail({ phoneHint: need('phone_added', p, 'phoneHint'), lang });
const identityCorrected = (lang: Language) => (_link: string, p: Params) =>
  identityCorrectedMail({ fields: need('identity_corrected', p, 'fields').split(','), lang });

const TEXTS: Record<Template, Texts> = {
  email_confirmation: {
    sl: (link) => ({
      subject: 'Potrdite svoj e-poštni naslov',
      text:
        'Pozdravljeni,\n\nza dokončanje registracije potrdite svoj e-poštni naslov s klikom na povezavo:\n\n' +
        `${link}\n\nPovezava velja 24 ur in jo lahko uporabite enkrat. Če se niste registrirali vi, ` +
        'to sporočilo prezrite: račun brez potrditve preneha.',
    }),
    en: (link) => ({
      subject: 'Confirm your e-mail address',
      text:
        'Hello,\n\nto finish your registration, confirm your e-mail address by opening this link:\n\n' +
        `${link}\n\nThe link is valid for 24 hours and works once. If you did not register, ignore this ` +
        'message: an unconfirmed account lapses.',
    }),
  },
  duplicate_registration: {
    sl: () => ({
      subject: 'Poskus registracije z vašim naslovom',
      text:
        'Pozdravljeni,\n\nnekdo se je pravkar poskusil registrirati z vašim e-poštnim naslovom, ki že ima ' +
        'račun. Računa nismo spremenili.\n\nČe ste to bili vi in ste pozabili geslo, ga lahko ponastavite ' +
        'na strani za prijavo. Če niste bili vi, vam ni treba storiti ničesar.',
    }),
    en: () => ({
      subject: 'Someone tried to register with your address',
      text:
        'Hello,\n\nsomeone just tried to register with your e-mail address, which already has an account. ' +
        'Your account was not changed.\n\nIf it was you and you forgot your password, reset it from the ' +
        'login page. If it was not you, there is nothing you need to do.',
    }),
  },
  password_reset: {
    sl: (link) => ({
      subject: 'Ponastavitev gesla',
      text:
        'Pozdravljeni,\n\nnovo geslo nastavite na tej povezavi:\n\n' +
        `${link}\n\nPovezava velja eno uro in jo lahko uporabite enkrat. Če ponastavitve niste zahtevali, ` +
        'to sporočilo prezrite: vaše geslo ostane nespremenjeno.',
    }),
    en: (link) => ({
      subject: 'Reset your password',
      text:
        'Hello,\n\nset a new password at this link:\n\n' +
        `${link}\n\nThe link is valid for one hour and works once. If you did not ask for a reset, ignore ` +
        'this message: your password stays as it is.',
    }),
  },
  password_changed: {
    sl: () => ({
      subject: 'Vaše geslo je bilo spremenjeno',
      text:
        'Pozdravljeni,\n\ngeslo vašega računa je bilo pravkar spremenjeno. Če tega niste storili vi, ' +
        'takoj ponastavite geslo na strani za prijavo in se obrnite na podporo.',
    }),
    en: () => ({
      subject: 'Your password was changed',
      text:
        'Hello,\n\nthe password of your account was just changed. If this was not you, reset your ' +
        'password from the login page at once and contact support.',
    }),
  },
  activation_code: { sl: activationCode('sl'), en: activationCode('en') },
  activation_expired: { sl: activationExpired('sl'), en: activationExpired('en') },
  phone_added: { sl: phoneAdded('sl'), en: phoneAdded('en') },
  identity_corrected: { sl: identityCorrected('sl'), en: identityCorrected('en') },
};

/** The subject and plain-text body of one mail; links are built on `publicBaseUrl`. */
export function renderMail(
  template: Template,
  language: Language,
  params: Readonly<Record<string, string>>,
  publicBaseUrl: string,
): RenderedMail {
  const path = LINK_PATHS[template];
  let link = '';
  if (path) {
    const token = params.token;
    if (!token) throw new Error(`mail template ${template} needs a token`);
    const url = new URL(path, publicBaseUrl.endsWith('/') ? publicBaseUrl : `${publicBaseUrl}/`);
    url.searchParams.set('token', token);
    link = url.toString();
  }
  const m = TEXTS[template][language](link, params);
  return { subject: m.subject, text: m.text + SIGNATURE[language] };
}
