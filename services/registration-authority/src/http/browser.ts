import { parse as parseCookies, serialize } from 'cookie';
import { DomainError, ERROR_STATUS, isDomainError, type ErrorCode } from '@idp/events';
import { express, type Request, type RequestHandler, type Response } from '@idp/web';
import { pickLang, t, type Lang, type MessageKey } from '../web/i18n.js';
import { renderPage } from '../web/views.js';

/** Every cookie the console sets. */
export const COOKIE = {
  /** The officer's session (second-factor step or signed in); the stage lives server-side. */
  session: 'ra_session',
  /** Double-submit token of the login form, before there is a session to hold one. */
  loginCsrf: 'ra_login_csrf',
  lang: 'ra_lang',
} as const;

/** Console forms: small, flat, few fields. */
export const formBody: RequestHandler = express.urlencoded({
  extended: false,
  limit: '16kb',
  parameterLimit: 20,
});

export interface Browser {
  /**
   * A Set-Cookie value: HttpOnly, SameSite=Strict (nothing links into the console from another
   * site, so no cookie ever needs to travel on a cross-site request), Secure unless configured off.
   */
  cookie(name: string, value: string, maxAgeSeconds?: number): string;
  read(req: Request, name: string): string | undefined;
  lang(req: Request): Lang;
}

/** Remembers an explicit language choice (`?lang=`) for a year, so the next pages keep it. */
export const rememberLang =
  (secureCookies: boolean): RequestHandler =>
  (req, res, next) => {
    const lang = req.query.lang;
    if (lang === 'sl' || lang === 'en') {
      res.append('set-cookie', browser(secureCookies).cookie(COOKIE.lang, lang, 365 * 86_400));
    }
    next();
  };

export function browser(secureCookies: boolean): Browser {
  const read = (req: Request, name: string) => parseCookies(req.headers.cookie ?? '')[name];
  return {
    cookie: (name, value, maxAgeSeconds) =>
      serialize(name, value, {
        httpOnly: true,
        secure: secureCookies,
        sameSite: 'strict',
        path: '/',
        ...(maxAgeSeconds !== undefined ? { maxAge: maxAgeSeconds } : {}),
      }),
    read,
    lang: (req) =>
      pickLang({
        query: req.query.lang,
        cookie: read(req, COOKIE.lang),
        acceptLanguage: req.headers['accept-language'],
      }),
  };
}

/** The current URL with `lang` set to the other language (the switch link in the header). */
export function langUrl(req: Request, lang: Lang): string {
  const url = new URL(req.originalUrl, 'http://console.invalid');
  url.searchParams.set('lang', lang === 'sl' ? 'en' : 'sl');
  return `${url.pathname}${url.search}`;
}

export function sendPage(
  res: Response,
  view: string,
  lang: Lang,
  data: Record<string, unknown> & { title?: string },
  status = 200,
): void {
  res
    .status(status)
    .type('html')
    .set('cache-control', 'no-store')
    .send(renderPage(view, lang, data));
}

/** What an officer reads for each error a console page can meet; anything else is "unavailable". */
const MESSAGES: Partial<Record<ErrorCode, MessageKey>> = {
  'ra.invalid_credentials': 'badCredentials',
  'ra.totp_invalid': 'badTotp',
  'ra.officer_locked': 'locked',
  'ra.officer_disabled': 'disabled',
  'ra.session_expired': 'sessionExpired',
  'ra.csrf_token_invalid': 'csrf',
  'ra.document_expired': 'documentExpired',
  'ra.invalid_form': 'invalidForm',
  'ra.request_not_pending': 'notPending',
  'ra.request_already_decided': 'alreadyDecided',
  'ra.smspass_state_conflict': 'smsPassConflict',
  'activation.request_not_found': 'requestNotFound',
  'activation.letter_not_found': 'letterNotFound',
  'activation.invalid_transition': 'letterTransition',
  'accounts.not_found': 'accountNotFound',
  'accounts.invalid_tax_number': 'invalidTaxNumber',
};

/** The message and status for an expected error; rethrows anything else (the error middleware logs it). */
export function describeError(err: unknown, lang: Lang): { message: string; status: number } {
  if (!isDomainError(err)) throw err;
  const status = ERROR_STATUS[err.kind];
  return { message: t(lang, MESSAGES[err.code] ?? (status >= 500 ? 'unavailable' : 'invalidForm')), status };
}

export const csrfInvalid = () =>
  new DomainError('permission_denied', 'ra.csrf_token_invalid', { message: 'csrf token mismatch' });
