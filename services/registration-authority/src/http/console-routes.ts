import type { Express, Request, Response } from '@idp/web';
import { Decisions, correctionRows } from '../console/decisions.js';
import { sameToken, type OfficerAuth, type SignedIn } from '../console/officer-auth.js';
import { t, type Lang } from '../web/i18n.js';
import { browser, COOKIE, csrfInvalid, describeError, formBody, langUrl, sendPage } from './browser.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const str = (v: unknown, max = 600) => (typeof v === 'string' ? v.slice(0, max) : '');

type NextFunction = (err?: unknown) => void;

// What requireOfficer leaves for the handlers after it.
const signedInOf = (res: Response): SignedIn => res.locals.signedIn as SignedIn;
const langOf = (res: Response): Lang => res.locals.lang as Lang;

/** The pages behind the login: search, a request with its decision forms, smsPASS suspension, the letter queue. */
export function mountConsoleRoutes(
  app: Express,
  o: { auth: OfficerAuth; decisions: Decisions; secureCookies: boolean },
): void {
  const { auth, decisions } = o;
  const b = browser(o.secureCookies);

  /** Only a live, signed-in session gets further; a POST must also carry the session's CSRF token. */
  const requireOfficer = (req: Request, res: Response, next: NextFunction) => {
    const lang = b.lang(req);
    res.locals.lang = lang;
    auth
      .resolve(b.read(req, COOKIE.session), 'active')
      .then((signedIn) => {
        if (!signedIn) {
          if (req.method === 'GET') return res.redirect(303, '/login');
          return sendPage(
            res,
            'error',
            lang,
            { message: t(lang, 'sessionExpired'), toLogin: true, correlationId: req.correlationId },
            401,
          );
        }
        if (
          req.method === 'POST' &&
          !sameToken((req.body as Record<string, unknown>).csrf, signedIn.session.csrfToken)
        ) {
          return sendPage(
            res,
            'error',
            lang,
            { ...describeError(csrfInvalid(), lang), correlationId: req.correlationId },
            403,
          );
        }
        res.locals.signedIn = signedIn;
        next();
      })
      .catch(next);
  };

  /** What every signed-in page shows: who is signed in, the logout form, the language switch. */
  const common = (req: Request, res: Response) => ({
    officer: signedInOf(res).officer.displayName,
    csrf: signedInOf(res).session.csrfToken,
    langUrl: langUrl(req, langOf(res)),
  });
  const ctx = (req: Request) => ({ correlationId: req.correlationId });
  const wrap =
    (h: (req: Request, res: Response) => Promise<void>) =>
    (req: Request, res: Response, next: NextFunction) =>
      h(req, res).catch(next);

  app.get(
    '/',
    requireOfficer,
    wrap(async (req, res) =>
      sendPage(res, 'home', langOf(res), { ...common(req, res), q: '', taxNumber: '' }),
    ),
  );

  app.get(
    '/requests',
    requireOfficer,
    wrap(async (req, res) => {
      const lang = langOf(res);
      const q = str(req.query.q, 40).trim();
      if (!q) return res.redirect(303, '/');
      try {
        const found = await decisions.search(q, ctx(req));
        // One list, newest first: what a citizen asked for, whichever kind it is.
        const rows = [
          ...found.requests.map((r) => ({ ...r, kind: 'activation' })),
          ...found.corrections.map((c) => ({ ...c, kind: 'correction' })),
        ].sort((x, y) => y.createdAt.localeCompare(x.createdAt));
        sendPage(res, 'home', lang, { ...common(req, res), q, taxNumber: '', rows, searched: true });
      } catch (err) {
        const { message, status } = describeError(err, lang);
        sendPage(res, 'home', lang, { ...common(req, res), q, taxNumber: '', error: message }, status);
      }
    }),
  );

  const requestPage = async (
    req: Request,
    res: Response,
    number: string,
    extra: { error?: string; form?: Record<string, string> } = {},
    status = 200,
  ) => {
    const lang = langOf(res);
    try {
      const detail = await decisions.detail(number, ctx(req));
      const { person, decision } = detail;
      const done = req.method === 'GET' && (req.query.done === 'approved' || req.query.done === 'rejected');
      const correction = detail.kind === 'correction';
      const approved = correction ? 'correctionApproved' : 'approved';
      // Both kinds show as `request` (number, state, path, created); a correction also its changes.
      const shown = detail.kind === 'activation' ? detail.request : detail.correction;
      sendPage(
        res,
        correction ? 'correction' : 'request',
        lang,
        {
          ...common(req, res),
          title: t(lang, correction ? 'correctionTitle' : 'requestTitle', { number: shown.requestNumber }),
          request: shown,
          ...(detail.kind === 'correction' ? { rows: correctionRows(detail.correction, person) } : {}),
          person,
          decision,
          isPending: !decision && Decisions.isPending(detail),
          notice: done ? t(lang, req.query.done === 'approved' ? approved : 'rejected') : undefined,
          form: { type: 'identity_card', number: '', expiresOn: '', reason: '' },
          ...extra,
        },
        status,
      );
    } catch (err) {
      const d = describeError(err, lang);
      sendPage(
        res,
        'error',
        lang,
        { ...common(req, res), ...d, back: true, correlationId: req.correlationId },
        d.status,
      );
    }
  };

  app.get(
    '/requests/:number',
    requireOfficer,
    wrap((req, res) => requestPage(req, res, str(req.params.number, 20))),
  );

  const decide = (action: 'approve' | 'reject') =>
    wrap(async (req, res) => {
      const number = str(req.params.number, 20);
      const f = req.body as Record<string, unknown>;
      const officer = signedInOf(res).officer;
      try {
        if (action === 'approve') {
          await decisions.approve(
            officer,
            number,
            { type: f.documentType, number: f.documentNumber, expiresOn: f.documentExpiresOn },
            ctx(req),
          );
        } else {
          await decisions.reject(officer, number, f.reason, ctx(req));
        }
        res.redirect(
          303,
          `/requests/${encodeURIComponent(number)}?done=${action === 'approve' ? 'approved' : 'rejected'}`,
        );
      } catch (err) {
        const { message, status } = describeError(err, langOf(res));
        await requestPage(
          req,
          res,
          number,
          {
            error: message,
            form: {
              type: str(f.documentType, 40),
              number: str(f.documentNumber, 40),
              expiresOn: str(f.documentExpiresOn, 10),
              reason: str(f.reason),
            },
          },
          status,
        );
      }
    });
  app.post('/requests/:number/approve', formBody, requireOfficer, decide('approve'));
  app.post('/requests/:number/reject', formBody, requireOfficer, decide('reject'));

  const smsPassPage = async (
    req: Request,
    res: Response,
    accountId: string | undefined,
    extra: { taxNumber?: string; error?: string; notice?: string; reason?: string } = {},
    status = 200,
  ) => {
    const lang = langOf(res);
    const person = accountId ? await decisions.person(accountId, ctx(req)) : undefined;
    sendPage(
      res,
      'smspass',
      lang,
      { ...common(req, res), person, taxNumber: person?.attributes.taxNumber ?? '', reason: '', ...extra },
      status,
    );
  };

  app.get(
    '/smspass',
    requireOfficer,
    wrap(async (req, res) => {
      const lang = langOf(res);
      const taxNumber = str(req.query.taxNumber, 20).trim();
      const account = str(req.query.account, 36);
      const done =
        req.query.done === 'suspended' || req.query.done === 'reinstated' ? req.query.done : undefined;
      try {
        if (UUID.test(account)) {
          return await smsPassPage(req, res, account, done ? { notice: t(lang, done) } : {});
        }
        if (!taxNumber) return await smsPassPage(req, res, undefined);
        const accountId = await decisions.accountByTaxNumber(taxNumber, ctx(req));
        if (!accountId) {
          return await smsPassPage(
            req,
            res,
            undefined,
            { taxNumber, error: t(lang, 'accountNotFound') },
            404,
          );
        }
        await smsPassPage(req, res, accountId);
      } catch (err) {
        const { message, status } = describeError(err, lang);
        await smsPassPage(req, res, undefined, { taxNumber, error: message }, status);
      }
    }),
  );

  app.post(
    '/smspass',
    formBody,
    requireOfficer,
    wrap(async (req, res) => {
      const f = req.body as Record<string, unknown>;
      const accountId = str(f.accountId, 36);
      const action = f.action === 'reinstate' ? 'reinstate' : 'suspend';
      try {
        if (!UUID.test(accountId)) return res.redirect(303, '/smspass');
        await decisions.smsPass(signedInOf(res).officer, action, accountId, f.reason, ctx(req));
        res.redirect(
          303,
          `/smspass?account=${accountId}&done=${action === 'suspend' ? 'suspended' : 'reinstated'}`,
        );
      } catch (err) {
        const { message, status } = describeError(err, langOf(res));
        await smsPassPage(req, res, accountId, { error: message, reason: str(f.reason) }, status);
      }
    }),
  );

  const LETTER_STATES = ['queued', 'printed', 'posted'] as const;
  const letterState = (v: unknown) => LETTER_STATES.find((s) => s === v);
  const lettersPage = async (
    req: Request,
    res: Response,
    state: (typeof LETTER_STATES)[number] | undefined,
    extra: { error?: string; notice?: string } = {},
    status = 200,
  ) => {
    const lang = langOf(res);
    const letters = await decisions.letters(state, ctx(req));
    sendPage(
      res,
      'letters',
      lang,
      { ...common(req, res), title: t(lang, 'lettersTitle'), letters, state: state ?? '', ...extra },
      status,
    );
  };

  app.get(
    '/letters',
    requireOfficer,
    wrap(async (req, res) => {
      const lang = langOf(res);
      const state = letterState(req.query.state);
      const done = req.query.done === 'printed' || req.query.done === 'posted' ? req.query.done : undefined;
      try {
        await lettersPage(
          req,
          res,
          state,
          done ? { notice: t(lang, done === 'printed' ? 'letterPrinted' : 'letterPosted') } : {},
        );
      } catch (err) {
        const d = describeError(err, lang);
        sendPage(
          res,
          'error',
          lang,
          { ...common(req, res), ...d, back: true, correlationId: req.correlationId },
          d.status,
        );
      }
    }),
  );

  app.post(
    '/letters/mark',
    formBody,
    requireOfficer,
    wrap(async (req, res) => {
      const f = req.body as Record<string, unknown>;
      const letterId = str(f.letterId, 36);
      const target = f.state === 'printed' || f.state === 'posted' ? f.state : undefined;
      const filter = letterState(f.filter);
      const back = (extra: string) => `/letters?${filter ? `state=${filter}&` : ''}${extra}`;
      try {
        if (!UUID.test(letterId) || !target) {
          return await lettersPage(req, res, filter, { error: t(langOf(res), 'invalidForm') }, 400);
        }
        await decisions.markLetter(signedInOf(res).officer, letterId, target, ctx(req));
        res.redirect(303, back(`done=${target}`));
      } catch (err) {
        const { message, status } = describeError(err, langOf(res));
        await lettersPage(req, res, filter, { error: message }, status);
      }
    }),
  );
}
