export type Lang = 'sl' | 'en';
export const LANGS: readonly Lang[] = ['sl', 'en'];

const sl = {
  title: 'Prijava',
  loginTo: 'Prijava v e-storitev',
  email: 'E-poštni naslov (uporabniško ime)',
  password: 'Geslo',
  next: 'Naprej',
  cancel: 'Prekliči',
  codeTitle: 'Koda iz SMS',
  codeHelp: 'Poslali smo vam SMS s 6-mestno kodo na telefon',
  code: 'Koda',
  confirm: 'Potrdi',
  resend: 'Pošlji znova',
  resendIn: 'Novo kodo lahko zahtevate čez {s} s.',
  smsFailed: 'SMS-a ni bilo mogoče poslati. Poskusite znova ali se obrnite na podporo.',
  smsSending: 'SMS pošiljamo …',
  badCredentials: 'Napačno uporabniško ime ali geslo.',
  locked: 'Preveč neuspešnih poskusov. Poskusite znova čez nekaj minut.',
  badCode: 'Koda ni pravilna.',
  codeExpired: 'Koda je potekla. Zahtevajte novo kodo.',
  codeLocked: 'Preveč napačnih kod. Prijavo začnite znova v e-storitvi.',
  resendTooSoon: 'Novo kodo lahko zahtevate malo kasneje.',
  resendLimit: 'Dosegli ste največje število ponovnih pošiljanj.',
  unavailable: 'Storitev trenutno ni na voljo. Poskusite znova čez nekaj minut.',
  errorTitle: 'Prijava ni mogoča',
  errorBody: 'Zahteve e-storitve ni bilo mogoče sprejeti. Vrnite se v e-storitev in poskusite znova.',
  continueNoJs: 'Nadaljuj',
  redirecting: 'Preusmerjamo vas nazaj v e-storitev …',
  switchLang: 'English',
  loggedOutTitle: 'Odjavljeni ste',
  loggedOutBody: 'Odjava iz nacionalne prijave je končana. Okno lahko zaprete.',
};
type Messages = typeof sl;
const en: Messages = {
  title: 'Log in',
  loginTo: 'Log in to the e-service',
  email: 'E-mail address (account name)',
  password: 'Password',
  next: 'Continue',
  cancel: 'Cancel',
  codeTitle: 'Code from SMS',
  codeHelp: 'We sent an SMS with a 6-digit code to your phone',
  code: 'Code',
  confirm: 'Confirm',
  resend: 'Send again',
  resendIn: 'You can ask for a new code in {s} s.',
  smsFailed: 'The SMS could not be sent. Try again or contact support.',
  smsSending: 'Sending the SMS …',
  badCredentials: 'Wrong account name or password.',
  locked: 'Too many failed attempts. Try again in a few minutes.',
  badCode: 'The code is not correct.',
  codeExpired: 'The code has expired. Ask for a new one.',
  codeLocked: 'Too many wrong codes. Start the login again at the e-service.',
  resendTooSoon: 'You can ask for a new code a little later.',
  resendLimit: 'You have reached the number of resends allowed.',
  unavailable: 'The service is unavailable right now. Try again in a few minutes.',
  errorTitle: 'Login not possible',
  errorBody: 'The request from the e-service could not be accepted. Go back to the e-service and try again.',
  continueNoJs: 'Continue',
  redirecting: 'Taking you back to the e-service …',
  switchLang: 'Slovenščina',
  loggedOutTitle: 'You are logged out',
  loggedOutBody: 'You have been logged out of the national login service. You can close this window.',
};
export const messages: Record<Lang, Messages> = { sl, en };
export type MessageKey = keyof Messages;

/** Explicit choice (query or cookie) first, then Accept-Language, then Slovenian. */
export function pickLang(o: { query?: unknown; cookie?: string; acceptLanguage?: string }): Lang {
  for (const v of [o.query, o.cookie]) if (v === 'sl' || v === 'en') return v;
  const ranked = (o.acceptLanguage ?? '')
    .split(',')
    .map((part) => {
      const [tag, ...params] = part.trim().toLowerCase().split(';');
      const q = Number(params.find((p) => p.trim().startsWith('q='))?.split('=')[1] ?? 1);
      return { tag: tag?.split('-')[0] ?? '', q: Number.isFinite(q) ? q : 0 };
    })
    .sort((a, b) => b.q - a.q);
  return (ranked.find((r) => r.tag === 'sl' || r.tag === 'en')?.tag as Lang | undefined) ?? 'sl';
}

export const t = (lang: Lang, key: MessageKey, vars: Record<string, string | number> = {}): string =>
  messages[lang][key].replace(/\{(\w+)\}/g, (_, k: string) => String(vars[k] ?? ''));
