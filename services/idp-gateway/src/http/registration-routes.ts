import { accountsRpc, DomainError, isDomainError, type RpcClient } from '@idp/events';
import type { Logger } from '@idp/observability';
import type { Express, Request, Response } from '@idp/web';
import type { SessionStore } from '../session/store.js';
import { t, type Lang } from '../web/i18n.js';
import type { AbuseLimiter, LimitedEndpoint } from './abuse-limits.js';
import type { TermsSource } from './terms.js';
import { browserState, COOKIE, formBody, type BrowserState } from './browser-state.js';
import {
  field,
  formErrors,
  langUrl,
  rememberLang,
  sameToken,
  secretField,
  sendFormExpired,
  sendPage,
  showErrorPage,
  type FormErrors,
} from './pages.js';

export interface RegistrationDeps {
  store: SessionStore;
  rpc: RpcClient;
  log: Logger;
  secureCookies: boolean;
  /** The terms of use version shown and sent back: accounts' current one. */
  terms: TermsSource;
  termsUrl?: string | undefined;
  /** Caps on the posts that mail someone, create an account or spend a link. */
  limits: AbuseLimiter;
}

/** A mailed link token: 32 random bytes, base64url (as accounts makes them). */
const LINK_TOKEN = /^[A-Za-z0-9_-]{43}$/;
const REGISTER_FIELDS = [
  'email',
  'givenName',
  'familyName',
  'taxNumber',
  'emso',
  'birthDate',
  'street',
  'postalCode',
  'city',
  'country',
  'phone',
] as const;

/**
 * Anonymous form state, as on the login pages: the CSRF token lives server-side (Redis), found
 * through an HttpOnly SameSite=Lax cookie, and every post must carry it.
 */
export function anonymousForms(store: SessionStore, browser: BrowserState) {
  return {
    /** The token for the page about to be shown; sets the cookie when it is new. */
    async token(req: Request, res: Response): Promise<string> {
      const f = await store.formToken(browser.read(req, COOKIE.form));
      if (f.isNew) res.append('set-cookie', browser.cookie(COOKIE.form, f.id));
      return f.csrfToken;
    },
    /** Refuses a post whose token is not the one bound to this browser. */
    async check(req: Request): Promise<void> {
      const id = browser.read(req, COOKIE.form);
      const stored = id ? await store.getFormToken(id) : undefined;
      if (!sameToken((req.body as Record<string, unknown>).csrf, stored)) {
        throw new DomainError('permission_denied', 'saml.csrf_token_invalid', {
          message: 'csrf token mismatch',
        });
      }
    },
  };
}

/** Self-registration, e-mail confirmation and password reset: pages for people not logged in. */
export function mountRegistrationRoutes(app: Express, d: RegistrationDeps): void {
  const browser = browserState(d.secureCookies);
  const forms = anonymousForms(d.store, browser);

  const page = (handler: (req: Request, res: Response, lang: Lang) => Promise<void>, isPost: boolean) =>
    [
      formBody,
      (req: Request, res: Response, next: (err?: unknown) => void) => {
        const lang = rememberLang(req, res, browser);
        (isPost ? forms.check(req) : Promise.resolve())
          .then(() => handler(req, res, lang))
          .catch((err: unknown) => {
            if (isDomainError(err) && err.code === 'saml.csrf_token_invalid') {
              sendFormExpired(req, res, lang, req.path);
              return;
            }
            if (!showErrorPage(req, res, err, lang)) next(err);
          });
      },
    ] as const;

  /**
   * Counts the request against the endpoint's abuse limits; when one is full, answers 429 with
   * Retry-After and says so (the same page whichever limit it was, so a limit on an e-mail address
   * tells nothing about whether it has an account). A Redis outage throws: the 503 page.
   */
  const overLimit = async (
    req: Request,
    res: Response,
    lang: Lang,
    endpoint: LimitedEndpoint,
    email?: string,
  ): Promise<boolean> => {
    const verdict = await d.limits.check(endpoint, {
      address: req.ip ?? 'unknown',
      ...(email !== undefined ? { email } : {}),
    });
    if (!verdict.limited) return false;
    // Neither the client address nor the e-mail address: the metric and the correlation id suffice.
    req.log.warn(
      { endpoint, limit: verdict.by, retryAfterSeconds: verdict.retryAfterSeconds },
      'abuse limit reached',
    );
    res.set('retry-after', String(verdict.retryAfterSeconds));
    sendPage(
      res,
      'message',
      lang,
      {
        title: t(lang, 'tooManyTitle'),
        heading: t(lang, 'tooManyTitle'),
        message: t(lang, 'tooManyBody', { m: Math.ceil(verdict.retryAfterSeconds / 60) }),
        isAlert: true,
      },
      429,
    );
    return true;
  };

  const registerPage = async (
    req: Request,
    res: Response,
    lang: Lang,
    v: Record<string, string>,
    errors: FormErrors = {},
    status = 200,
  ) => {
    const termsVersion = await d.terms.current(req.correlationId);
    sendPage(
      res,
      'register',
      lang,
      {
        title: t(lang, 'registerTitle'),
        langUrl: langUrl(req, lang),
        csrf: await forms.token(req, res),
        termsVersion,
        termsText: t(lang, 'termsAccept', { v: termsVersion }),
        termsUrl: d.termsUrl,
        v,
        errors,
      },
      status,
    );
  };

  app.get(
    '/register',
    ...page(async (req, res, lang) => registerPage(req, res, lang, { country: 'SI' }), false),
  );

  app.post(
    '/register',
    ...page(async (req, res, lang) => {
      const v: Record<string, string> = {};
      for (const name of REGISTER_FIELDS) v[name] = field(req, name, name === 'street' ? 200 : 254);
      v.country = v.country!.toUpperCase();
      // Shown ticked again when the form comes back with errors elsewhere.
      v.terms = field(req, 'terms') === 'yes' ? 'yes' : '';
      const password = secretField(req, 'password');
      const errors: FormErrors = {};
      for (const name of [
        'email',
        'givenName',
        'familyName',
        'taxNumber',
        'birthDate',
        'street',
        'postalCode',
        'city',
      ]) {
        if (!v[name]) errors[name] = t(lang, 'required');
      }
      if (!password) errors.password = t(lang, 'required');
      if (v.birthDate && !/^\d{4}-\d{2}-\d{2}$/.test(v.birthDate))
        errors.birthDate = t(lang, 'errInvalidBirthDate');
      if (!/^[A-Z]{2}$/.test(v.country)) errors.country = t(lang, 'errInvalidCountry');
      if (v.terms !== 'yes') errors.terms = t(lang, 'errTermsRequired');
      if (Object.keys(errors).length) return registerPage(req, res, lang, v, errors, 400);
      if (await overLimit(req, res, lang, 'register', v.email)) return;
      try {
        await d.rpc.call(
          accountsRpc.register,
          {
            email: v.email!,
            password,
            givenName: v.givenName!,
            familyName: v.familyName!,
            taxNumber: v.taxNumber!,
            ...(v.emso ? { emso: v.emso } : {}),
            birthDate: v.birthDate!,
            address: { street: v.street!, postalCode: v.postalCode!, city: v.city!, country: v.country },
            ...(v.phone ? { phone: v.phone } : {}),
            termsVersion: field(req, 'termsVersion', 40),
            language: lang,
          },
          { correlationId: req.correlationId },
        );
      } catch (err) {
        // Changed since the page was shown: the page again, with the version now current.
        if (isDomainError(err) && err.code === 'accounts.terms_outdated') d.terms.forget();
        const e = formErrors(err, lang);
        return registerPage(req, res, lang, v, e.errors, e.status);
      }
      // The same page whether or not the address already had an account (its owner is mailed instead).
      res.redirect(303, '/register/sent');
    }, true),
  );

  app.get(
    '/register/sent',
    ...page(async (req, res, lang) => {
      sendPage(res, 'message', lang, {
        title: t(lang, 'checkEmailTitle'),
        langUrl: langUrl(req, lang),
        heading: t(lang, 'checkEmailTitle'),
        message: t(lang, 'registerSent'),
      });
    }, false),
  );

  const invalidLink = (req: Request, res: Response, lang: Lang, reset: boolean) =>
    sendPage(
      res,
      'message',
      lang,
      {
        title: t(lang, 'linkInvalidTitle'),
        heading: t(lang, 'linkInvalidTitle'),
        message: t(lang, 'linkInvalidBody'),
        isAlert: true,
        // A used confirmation link is most often a second click: the account may already work.
        link: reset
          ? { href: '/password/forgot', text: t(lang, 'newResetLink') }
          : { href: '/account', text: t(lang, 'logInToAccount') },
      },
      400,
    );

  // A GET only shows a button: mail scanners that follow links must not spend the token.
  app.get(
    '/register/confirm',
    ...page(async (req, res, lang) => {
      const token = typeof req.query.token === 'string' ? req.query.token : '';
      if (!LINK_TOKEN.test(token)) return invalidLink(req, res, lang, false);
      sendPage(res, 'confirm-email', lang, {
        title: t(lang, 'confirmTitle'),
        langUrl: `/register/confirm?token=${token}&lang=${lang === 'sl' ? 'en' : 'sl'}`,
        csrf: await forms.token(req, res),
        token,
      });
    }, false),
  );

  app.post(
    '/register/confirm',
    ...page(async (req, res, lang) => {
      const token = field(req, 'token', 64);
      if (!LINK_TOKEN.test(token)) return invalidLink(req, res, lang, false);
      if (await overLimit(req, res, lang, 'register_confirm')) return;
      try {
        await d.rpc.call(accountsRpc.confirmEmail, { token }, { correlationId: req.correlationId });
      } catch (err) {
        if (isDomainError(err) && err.code === 'accounts.invalid_token')
          return invalidLink(req, res, lang, false);
        throw err;
      }
      sendPage(res, 'message', lang, {
        title: t(lang, 'confirmedTitle'),
        heading: t(lang, 'confirmedTitle'),
        message: t(lang, 'confirmedBody'),
        link: { href: '/account', text: t(lang, 'toAccount') },
      });
    }, true),
  );

  const forgotPage = async (
    req: Request,
    res: Response,
    lang: Lang,
    email = '',
    errors: FormErrors = {},
    status = 200,
  ) =>
    sendPage(
      res,
      'forgot',
      lang,
      {
        title: t(lang, 'forgotTitle'),
        langUrl: langUrl(req, lang),
        csrf: await forms.token(req, res),
        email,
        errors,
      },
      status,
    );

  app.get('/password/forgot', ...page(async (req, res, lang) => forgotPage(req, res, lang), false));

  app.post(
    '/password/forgot',
    ...page(async (req, res, lang) => {
      const email = field(req, 'email');
      if (!email) return forgotPage(req, res, lang, email, { email: t(lang, 'required') }, 400);
      // Counted before accounts is asked, for an unknown address as for a known one.
      if (await overLimit(req, res, lang, 'password_forgot', email)) return;
      try {
        await d.rpc.call(
          accountsRpc.requestPasswordReset,
          { email, language: lang },
          { correlationId: req.correlationId },
        );
      } catch (err) {
        const e = formErrors(err, lang);
        return forgotPage(req, res, lang, email, e.errors, e.status);
      }
      res.redirect(303, '/password/sent');
    }, true),
  );

  app.get(
    '/password/sent',
    ...page(async (req, res, lang) => {
      sendPage(res, 'message', lang, {
        title: t(lang, 'checkEmailTitle'),
        langUrl: langUrl(req, lang),
        heading: t(lang, 'checkEmailTitle'),
        message: t(lang, 'forgotSent'),
      });
    }, false),
  );

  const resetPage = async (
    req: Request,
    res: Response,
    lang: Lang,
    token: string,
    errors: FormErrors = {},
    status = 200,
  ) =>
    sendPage(
      res,
      'reset',
      lang,
      {
        title: t(lang, 'resetTitle'),
        langUrl: `/password/reset?token=${token}&lang=${lang === 'sl' ? 'en' : 'sl'}`,
        csrf: await forms.token(req, res),
        token,
        errors,
      },
      status,
    );

  app.get(
    '/password/reset',
    ...page(async (req, res, lang) => {
      const token = typeof req.query.token === 'string' ? req.query.token : '';
      if (!LINK_TOKEN.test(token)) return invalidLink(req, res, lang, true);
      await resetPage(req, res, lang, token);
    }, false),
  );

  app.post(
    '/password/reset',
    ...page(async (req, res, lang) => {
      const token = field(req, 'token', 64);
      if (!LINK_TOKEN.test(token)) return invalidLink(req, res, lang, true);
      const newPassword = secretField(req, 'password');
      if (!newPassword) return resetPage(req, res, lang, token, { password: t(lang, 'required') }, 400);
      if (await overLimit(req, res, lang, 'password_reset')) return;
      try {
        await d.rpc.call(
          accountsRpc.resetPassword,
          { token, newPassword },
          { correlationId: req.correlationId },
        );
      } catch (err) {
        if (isDomainError(err) && err.code === 'accounts.invalid_token')
          return invalidLink(req, res, lang, true);
        const e = formErrors(err, lang);
        return resetPage(req, res, lang, token, e.errors, e.status);
      }
      sendPage(res, 'message', lang, {
        title: t(lang, 'resetTitle'),
        heading: t(lang, 'resetTitle'),
        message: t(lang, 'resetDone'),
        link: { href: '/account', text: t(lang, 'toAccount') },
      });
    }, true),
  );
}
