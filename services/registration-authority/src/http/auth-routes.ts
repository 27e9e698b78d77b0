import QRCode from 'qrcode';
import { isDomainError } from '@idp/events';
import type { Express, Request, Response } from '@idp/web';
import { newToken, sameToken, type OfficerAuth, type SignedIn } from '../console/officer-auth.js';
import { t, type Lang } from '../web/i18n.js';
import {
  browser,
  COOKIE,
  csrfInvalid,
  describeError,
  formBody,
  langUrl,
  sendPage,
  type Browser,
} from './browser.js';

const body = (req: Request) => req.body as Record<string, unknown>;
const field = (req: Request, name: string) => {
  const v = body(req)[name];
  return typeof v === 'string' ? v : '';
};

/**
 * The login pages: password, then enrolment (QR code) or a TOTP code. Each form carries a CSRF
 * token: the login form a double-submit cookie, the later ones their session's token.
 */
export function mountAuthRoutes(app: Express, o: { auth: OfficerAuth; secureCookies: boolean }): void {
  const { auth } = o;
  const b: Browser = browser(o.secureCookies);
  const session = (req: Request) => b.read(req, COOKIE.session);

  const loginPage = (
    req: Request,
    res: Response,
    lang: Lang,
    extra: { error?: string; notice?: string; email?: string } = {},
    status = 200,
  ) => {
    // A token the form and the cookie share; a cross-site form cannot read it to copy it.
    const existing = b.read(req, COOKIE.loginCsrf);
    const csrf = existing && /^[A-Za-z0-9_-]{43}$/.test(existing) ? existing : newToken();
    if (csrf !== existing) res.append('set-cookie', b.cookie(COOKIE.loginCsrf, csrf, 3600));
    sendPage(res, 'login', lang, { csrf, email: '', langUrl: langUrl(req, lang), ...extra }, status);
  };

  /** The session between the password and the second factor, or a redirect to the start. */
  const pending = async (req: Request, res: Response): Promise<SignedIn | undefined> => {
    const p = await auth.resolve(session(req), 'second_factor');
    if (!p) res.redirect(303, '/login');
    return p;
  };

  app.get('/login', (req, res, next) => {
    const lang = b.lang(req);
    auth
      .resolve(session(req), 'active')
      .then((signedIn) => {
        if (signedIn) return res.redirect(303, '/');
        loginPage(req, res, lang, req.query.out === '1' ? { notice: t(lang, 'loggedOut') } : {});
      })
      .catch(next);
  });

  app.post('/login', formBody, (req, res, next) => {
    const lang = b.lang(req);
    const email = field(req, 'email').slice(0, 254);
    const cookieToken = b.read(req, COOKIE.loginCsrf);
    if (!cookieToken || !sameToken(body(req).csrf, cookieToken)) {
      loginPage(req, res, lang, { email, error: describeError(csrfInvalid(), lang).message }, 403);
      return;
    }
    auth
      .password(email, field(req, 'password'), { correlationId: req.correlationId })
      .then((s) => {
        res.append('set-cookie', b.cookie(COOKIE.session, s.token));
        res.redirect(303, s.enrolled ? '/login/totp' : '/login/enrol');
      })
      .catch((err: unknown) => {
        const { message, status } = describeError(err, lang);
        loginPage(req, res, lang, { email, error: message }, status);
      })
      .catch(next);
  });

  const enrolPage = async (
    req: Request,
    res: Response,
    p: SignedIn,
    lang: Lang,
    error?: string,
    status = 200,
  ) => {
    const { secret, uri } = await auth.enrolment(p);
    // An image from a data: URL: CSP allows `img-src data:`, and nothing is inserted unescaped.
    const qr = await QRCode.toDataURL(uri, {
      type: 'image/png',
      errorCorrectionLevel: 'M',
      margin: 2,
      scale: 6,
    });
    sendPage(
      res,
      'enrol',
      lang,
      {
        qr,
        uri,
        // Grouped in fours, as apps that take manual entry show it.
        secret: secret.replace(/(.{4})(?=.)/g, '$1 '),
        csrf: p.session.csrfToken,
        langUrl: langUrl(req, lang),
        ...(error ? { error } : {}),
      },
      status,
    );
  };

  const totpPage = (req: Request, res: Response, p: SignedIn, lang: Lang, error?: string, status = 200) =>
    sendPage(
      res,
      'totp',
      lang,
      { csrf: p.session.csrfToken, langUrl: langUrl(req, lang), ...(error ? { error } : {}) },
      status,
    );

  app.get('/login/enrol', (req, res, next) => {
    const lang = b.lang(req);
    (async () => {
      const p = await pending(req, res);
      if (!p) return;
      if (p.officer.totpEnrolledAt) return res.redirect(303, '/login/totp');
      await enrolPage(req, res, p, lang);
    })().catch(next);
  });

  app.get('/login/totp', (req, res, next) => {
    const lang = b.lang(req);
    (async () => {
      const p = await pending(req, res);
      if (!p) return;
      if (!p.officer.totpEnrolledAt) return res.redirect(303, '/login/enrol');
      totpPage(req, res, p, lang);
    })().catch(next);
  });

  const secondFactor =
    (mode: 'enrol' | 'login') => (req: Request, res: Response, next: (e?: unknown) => void) => {
      const lang = b.lang(req);
      (async () => {
        const p = await pending(req, res);
        if (!p) return;
        const again = (error: string, status: number) =>
          mode === 'enrol'
            ? enrolPage(req, res, p, lang, error, status)
            : totpPage(req, res, p, lang, error, status);
        if (!sameToken(body(req).csrf, p.session.csrfToken)) {
          const { message, status } = describeError(csrfInvalid(), lang);
          return again(message, status);
        }
        try {
          const s = await auth.secondFactor(p, field(req, 'code'), mode, {
            correlationId: req.correlationId,
          });
          res.append('set-cookie', b.cookie(COOKIE.session, s.token));
          res.redirect(303, '/');
        } catch (err) {
          const { message, status } = describeError(err, lang);
          if (
            isDomainError(err) &&
            (err.code === 'ra.officer_locked' || err.code === 'ra.officer_disabled')
          ) {
            // Nothing more to try on this page: start again at the password (which will say so too).
            res.append('set-cookie', b.cookie(COOKIE.session, '', 0));
            return loginPage(req, res, lang, { error: message }, status);
          }
          await again(message, status);
        }
      })().catch(next);
    };
  app.post('/login/enrol', formBody, secondFactor('enrol'));
  app.post('/login/totp', formBody, secondFactor('login'));

  app.post('/logout', formBody, (req, res, next) => {
    (async () => {
      const signedIn = await auth.resolve(session(req), 'active');
      if (signedIn && !sameToken(body(req).csrf, signedIn.session.csrfToken)) {
        const lang = b.lang(req);
        return sendPage(
          res,
          'error',
          lang,
          { ...describeError(csrfInvalid(), lang), correlationId: req.correlationId },
          403,
        );
      }
      await auth.logout(session(req));
      res.append('set-cookie', b.cookie(COOKIE.session, '', 0));
      res.redirect(303, '/login?out=1');
    })().catch(next);
  });
}
