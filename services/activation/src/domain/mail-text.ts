import type { MailLanguage } from '../ports.js';

export interface MailText {
  subject: string;
  text: string;
}

const day = (d: Date) => d.toISOString().slice(0, 10);

/** The e-mail that carries an activation code (path `ra`, after the officer's check). */
export function activationCodeMail(o: {
  code: string;
  requestNumber: string;
  expiresAt: Date;
  lang: MailLanguage;
}): MailText {
  if (o.lang === 'en') {
    return {
      subject: 'Your smsPASS activation code',
      text:
        `Your identity was confirmed at the registration office (request ${o.requestNumber}).\n\n` +
        `Activation code: ${o.code}\n\n` +
        `Enter it with your mobile phone number on the smsPASS activation page; you will receive an SMS code ` +
        `to confirm the phone. The code is valid until ${day(o.expiresAt)} and can be used once.\n` +
        `Do not share it with anyone. If you did not ask for smsPASS, ignore this message.`,
    };
  }
  return {
    subject: 'Vaša aktivacijska koda za smsPASS',
    text:
      `Na prijavni službi je bila potrjena vaša istovetnost (zahtevek ${o.requestNumber}).\n\n` +
      `Aktivacijska koda: ${o.code}\n\n` +
      `Vnesite jo skupaj s številko mobilnega telefona na strani za aktivacijo smsPASS; na telefon boste ` +
      `prejeli kodo SMS za potrditev. Koda velja do ${day(o.expiresAt)} in jo lahko uporabite enkrat.\n` +
      `Kode ne posredujte nikomur. Če smsPASS niste zahtevali, sporočilo prezrite.`,
  };
}

/** The notice that a request timed out without being completed. */
export function expiryNoticeMail(o: { requestNumber: string; lang: MailLanguage }): MailText {
  if (o.lang === 'en') {
    return {
      subject: 'Your smsPASS request has expired',
      text:
        `Your smsPASS request ${o.requestNumber} was not completed in time and has expired.\n` +
        `You can request smsPASS again on your user pages.`,
    };
  }
  return {
    subject: 'Vaš zahtevek za smsPASS je potekel',
    text:
      `Vaš zahtevek za smsPASS ${o.requestNumber} ni bil dokončan pravočasno in je potekel.\n` +
      `smsPASS lahko ponovno zahtevate na svojih uporabniških straneh.`,
  };
}

/** Tells the account address that a phone was bound (someone holding the password could add theirs). */
export function phoneAddedMail(o: { phoneHint: string; lang: MailLanguage }): MailText {
  if (o.lang === 'en') {
    return {
      subject: 'A phone was added to your account',
      text:
        `The phone ${o.phoneHint} was added to your account, proven by an SMS code.\n` +
        `If this was not you, remove it on your user pages at once, change your password and contact support.`,
    };
  }
  return {
    subject: 'Vašemu računu je bil dodan telefon',
    text:
      `Vašemu računu je bil dodan telefon ${o.phoneHint}, potrjen s kodo SMS.\n` +
      `Če tega niste storili vi, ga takoj odstranite na uporabniških straneh, spremenite geslo in se ` +
      `obrnite na podporo.`,
  };
}

const FIELD_NAMES: Record<MailLanguage, Record<string, string>> = {
  sl: { given_name: 'ime', family_name: 'priimek', address: 'naslov stalnega prebivališča' },
  en: { given_name: 'given name', family_name: 'surname', address: 'permanent address' },
};

/**
 * Tells the account address that identity data was corrected (which fields, not the values): someone
 * holding the password alone cannot have done it, but the owner should know at once if it was not them.
 */
export function identityCorrectedMail(o: { fields: readonly string[]; lang: MailLanguage }): MailText {
  const names = o.fields.map((f) => FIELD_NAMES[o.lang][f] ?? f).join(', ');
  if (o.lang === 'en') {
    return {
      subject: 'Your personal data was corrected',
      text:
        `Your correction was approved; we have changed: ${names}.\n` +
        `E-services you log in to from now on receive the corrected data. If you did not ask for this ` +
        `correction, contact support at once.`,
    };
  }
  return {
    subject: 'Vaši osebni podatki so popravljeni',
    text:
      `Vaš popravek je odobren; spremenili smo: ${names}.\n` +
      `E-storitve, v katere se prijavite odslej, prejmejo popravljene podatke. Če popravka niste ` +
      `zahtevali, se takoj obrnite na podporo.`,
  };
}
