import { parse as parseCookies, serialize } from 'cookie';
import { express, type Request, type RequestHandler } from '@idp/web';
import { pickLang, type Lang } from '../web/i18n.js';

/** Every cookie the gateway sets, in one place. */
export const COOKIE = {
  tx: 'idp_tx',
  session: 'idp_session',
  lang: 'idp_lang',
  sloChain: 'idp_slo',
  /** Binds the CSRF token of the anonymous forms (registration, password reset) to the browser. */
  form: 'idp_form',
} as const;

/** Form bodies of the login and logout pages and of SAML POST bindings: small, flat, few fields. */
export const formBody: RequestHandler = express.urlencoded({
  extended: false,
  limit: '256kb',
  parameterLimit: 30,
});

export interface BrowserState {
  /** A Set-Cookie value for an HttpOnly, SameSite=Lax cookie; `maxAgeSeconds` 0 deletes it. */
  cookie(name: string, value: string, maxAgeSeconds?: number): string;
  read(req: Request, name: string): string | undefined;
  /** The page language: an explicit choice (query, cookie), then Accept-Language. */
  lang(req: Request): Lang;
  /** Remembers an explicit language choice for a year (readable by nothing but us; not a secret). */
  langCookie(lang: Lang): string;
}

export function browserState(secureCookies: boolean): BrowserState {
  const read = (req: Request, name: string) => parseCookies(req.headers.cookie ?? '')[name];
  return {
    cookie: (name, value, maxAgeSeconds) =>
      serialize(name, value, {
        httpOnly: true,
        secure: secureCookies,
        // Lax: an SP's cross-site POST is answered with a redirect to our own GET, which carries it.
        sameSite: 'lax',
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
    langCookie: (lang) =>
      serialize(COOKIE.lang, lang, {
        path: '/',
        sameSite: 'lax',
        maxAge: 365 * 86_400,
        secure: secureCookies,
      }),
  };
}
