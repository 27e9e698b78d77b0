import {
  ERROR_STATUS,
  isDomainError,
  otpRpc,
  SamlAuthnRequestRejectedV1,
  DomainError,
  type ErrorCode,
  type RpcResponse,
} from '@idp/events';
import { createHash } from 'node:crypto';
import type { Express, Request, Response } from '@idp/web';
import type { FlowDeps } from '../flow/deps.js';
import { LoginFlow, type FlowOutcome } from '../flow/login-flow.js';
import type { SamlRequestInput } from '../saml/verify/types.js';
import type { LoginTransaction } from '../session/store.js';
import { t, type Lang, type MessageKey } from '../web/i18n.js';
import { renderPage } from '../web/views.js';
import { browserState, COOKIE, formBody } from './browser-state.js';
import { sameToken } from './pages.js';

/** Messages the citizen sees for the errors a login step can meet; anything else is "unavailable". */
const STEP_MESSAGES: Partial<Record<ErrorCode, MessageKey>> = {
  'accounts.invalid_credentials': 'badCredentials',
  'accounts.temporarily_locked': 'locked',
  'accounts.email_not_confirmed': 'emailNotConfirmed',
  'rpc.invalid_request': 'badCredentials',
  'otp.code_invalid': 'badCode',
  'otp.code_expired': 'codeExpired',
  'otp.resend_too_soon': 'resendTooSoon',
  'otp.resend_limit': 'resendLimit',
};

/**
 * SSO endpoints and the two login pages. A request that cannot be trusted gets an error page and
 * nothing is posted anywhere; a trusted one always ends with a SAML Response posted to the ACS
 * URL from the SP's registered metadata.
 */
export function mountLoginRoutes(app: Express, d: FlowDeps): void {
  const flow = new LoginFlow(d);
  const browser = browserState(d.secureCookies);

  const showError = (req: Request, res: Response, err: DomainError | Error, lang: Lang) => {
    const code = isDomainError(err) ? err.code : 'rpc.internal';
    const status = isDomainError(err) ? ERROR_STATUS[err.kind] : 500;
    res
      .status(status)
      .type('html')
      .set('cache-control', 'no-store')
      .send(
        renderPage('error', lang, {
          message: t(lang, status >= 500 ? 'unavailable' : 'errorBody'),
          code,
          correlationId: req.correlationId,
        }),
      );
  };

  const deliver = async (res: Response, outcome: FlowOutcome, lang: Lang): Promise<void> => {
    if (outcome.kind === 'login_page') {
      res.setHeader('set-cookie', browser.cookie(COOKIE.tx, outcome.tx.id));
      // A top-level GET (HTTP-Redirect, with its digest kept) carries the Lax cookie: the page is the
      // answer. A cross-site POST does not, so it goes to our own GET first.
      if (outcome.tx.requestDigest !== undefined) await renderStep(res, outcome.tx, lang);
      else res.redirect(303, '/login');
      return;
    }
    if (outcome.kind === 'local') {
      if (outcome.session) res.append('set-cookie', browser.cookie(COOKIE.session, outcome.session.id));
      res.append('set-cookie', browser.cookie(COOKIE.tx, '', 0));
      res.redirect(303, outcome.returnTo);
      return;
    }
    if (outcome.session) res.append('set-cookie', browser.cookie(COOKIE.session, outcome.session.id));
    res.append('set-cookie', browser.cookie(COOKIE.tx, '', 0));
    res
      .status(200)
      .type('html')
      .set('cache-control', 'no-store')
      .send(
        renderPage('post', lang, {
          action: outcome.acsUrl,
          field: 'SAMLResponse',
          value: outcome.samlResponse,
          relayState: outcome.relayState,
        }),
      );
  };

  const sso = async (req: Request, res: Response, input: SamlRequestInput) => {
    const lang = browser.lang(req);
    // An HTTP-Redirect request is answered with the login page itself, not a redirect to it: one
    // round trip less for the citizen. Its URL stays in the address bar, so the same octets from the
    // same browser (a reload, Back) show that login where it is instead of a replay error.
    const digest =
      input.binding === 'redirect'
        ? createHash('sha256').update(input.rawQuery).digest('base64url')
        : undefined;
    if (digest !== undefined) {
      const txId = browser.read(req, COOKIE.tx);
      const pending = txId ? await d.store.getTransaction(txId) : undefined;
      if (pending?.requestDigest === digest) {
        await renderStep(res, pending, lang);
        return;
      }
    }
    let verified;
    try {
      verified = await d.verifyAuthnRequest(input);
    } catch (err) {
      if (isDomainError(err)) {
        await d.publisher
          .publish(
            SamlAuthnRequestRejectedV1,
            {
              aggregate: { type: 'login_transaction', id: req.correlationId },
              actor: { kind: 'anonymous' },
              data: { binding: input.binding, errorCode: err.code },
            },
            { correlationId: req.correlationId },
          )
          .catch((e: unknown) => req.log.error({ err: e }, 'could not record a rejected request'));
        req.log.warn({ errorCode: err.code }, 'AuthnRequest refused');
      }
      showError(req, res, err as Error, lang);
      return;
    }
    const sessionId = browser.read(req, COOKIE.session);
    const session = sessionId ? await d.store.getSession(sessionId, d.now()) : undefined;
    await deliver(res, await flow.start(verified, session, lang, digest), lang);
  };

  // The query exactly as received: a Redirect signature covers those octets, a second '?' included.
  app.get('/saml/sso', (req, res, next) => {
    sso(req, res, {
      binding: 'redirect',
      rawQuery: req.originalUrl.includes('?') ? req.originalUrl.slice(req.originalUrl.indexOf('?') + 1) : '',
    }).catch(next);
  });
  app.post('/saml/sso', formBody, (req, res, next) => {
    const body = req.body as Record<string, unknown>;
    const input: SamlRequestInput = {
      binding: 'post',
      samlRequest: typeof body.SAMLRequest === 'string' ? body.SAMLRequest : '',
      ...(typeof body.RelayState === 'string' ? { relayState: body.RelayState } : {}),
    };
    sso(req, res, input).catch(next);
  });

  /** The transaction this browser is in, checked against the form's CSRF token for posts. */
  const transaction = async (req: Request, checkCsrf: boolean): Promise<LoginTransaction> => {
    const id = browser.read(req, COOKIE.tx);
    const tx = id ? await d.store.getTransaction(id) : undefined;
    if (!tx)
      throw new DomainError('not_found', 'saml.login_transaction_not_found', {
        message: 'no login in progress',
      });
    if (checkCsrf && !sameToken((req.body as Record<string, unknown>).csrf, tx.csrfToken)) {
      throw new DomainError('permission_denied', 'saml.csrf_token_invalid', {
        message: 'csrf token mismatch',
      });
    }
    return tx;
  };

  const renderStep = async (
    res: Response,
    tx: LoginTransaction,
    lang: Lang,
    extra: { error?: string; notice?: string; email?: string } = {},
    status = 200,
    known?: RpcResponse<typeof otpRpc.status>,
  ) => {
    const spName = tx.returnTo !== undefined ? t(lang, 'myAccount') : d.serviceName(tx.spEntityId, lang);
    const common = {
      tx: tx.id,
      csrf: tx.csrfToken,
      spName,
      langUrl: `/login?lang=${lang === 'sl' ? 'en' : 'sl'}`,
      ...extra,
    };
    if (tx.step === 'otp' && tx.challengeId) {
      // Right after issuing or resending, the RPC's answer is the challenge's state: no need to ask again.
      const challenge =
        known ?? (await d.rpc.call(otpRpc.status, { challengeId: tx.challengeId }, { correlationId: tx.id }));
      const notice =
        challenge.delivery === 'failed'
          ? t(lang, 'smsFailed')
          : challenge.delivery === 'sending'
            ? t(lang, 'smsSending')
            : extra.notice;
      res
        .status(status)
        .type('html')
        .set('cache-control', 'no-store')
        .send(renderPage('code', lang, { ...common, notice, destination: challenge.destinationHint }));
      return;
    }
    res
      .status(status)
      .type('html')
      .set('cache-control', 'no-store')
      .send(renderPage('login', lang, { email: '', ...common }));
  };

  const step = (
    handler: (req: Request, res: Response, tx: LoginTransaction, lang: Lang) => Promise<void>,
    checkCsrf: boolean,
  ) =>
    [
      formBody,
      (req: Request, res: Response, next: (err?: unknown) => void) => {
        const lang = browser.lang(req);
        if (typeof req.query.lang === 'string' && (req.query.lang === 'sl' || req.query.lang === 'en')) {
          res.append('set-cookie', browser.langCookie(req.query.lang));
        }
        transaction(req, checkCsrf)
          .then((tx) => handler(req, res, tx, lang))
          .catch((err: unknown) => {
            if (
              isDomainError(err) &&
              (err.code === 'saml.login_transaction_not_found' || err.code === 'saml.csrf_token_invalid')
            ) {
              showError(req, res, err, lang);
              return;
            }
            next(err);
          });
      },
    ] as const;

  app.get('/login', ...step(async (_req, res, tx, lang) => renderStep(res, tx, lang), false));

  app.post(
    '/login/password',
    ...step(async (req, res, tx, lang) => {
      const body = req.body as Record<string, unknown>;
      const email = typeof body.email === 'string' ? body.email.slice(0, 254) : '';
      const password = typeof body.password === 'string' ? body.password : '';
      // A reload of the answer below posts the password again: show the code page, send no new code.
      if (tx.step === 'otp') {
        await renderStep(res, tx, lang);
        return;
      }
      try {
        const outcome = await flow.password(tx, email, password, req.ip ?? 'unknown');
        if (outcome.kind === 'otp') {
          // The code page is the answer to this post, as most IdPs do: a redirect would cost the
          // citizen a round trip and the gateway a second transaction read and status RPC.
          await renderStep(res, outcome.tx, lang, {}, 200, outcome.challenge);
          return;
        }
        await deliver(res, outcome, lang);
      } catch (err) {
        await handleStepError(res, tx, lang, err, { email });
      }
    }, true),
  );

  app.post(
    '/login/code',
    ...step(async (req, res, tx, lang) => {
      const code = String((req.body as Record<string, unknown>).code ?? '').replace(/\s+/g, '');
      try {
        await deliver(res, await flow.code(tx, code), lang);
      } catch (err) {
        if (isDomainError(err) && err.code === 'otp.challenge_locked') {
          await deliver(res, await flow.cancel(tx, 'AuthnFailed', 'challenge_locked'), lang);
          return;
        }
        await handleStepError(res, tx, lang, err);
      }
    }, true),
  );

  app.post(
    '/login/resend',
    ...step(async (_req, res, tx, lang) => {
      try {
        const challenge = await d.rpc.call(
          otpRpc.resend,
          { challengeId: tx.challengeId ?? '' },
          { correlationId: tx.id },
        );
        await renderStep(res, tx, lang, { notice: t(lang, 'smsSending') }, 200, challenge);
      } catch (err) {
        await handleStepError(res, tx, lang, err);
      }
    }, true),
  );

  app.post(
    '/login/cancel',
    ...step(async (_req, res, tx, lang) => deliver(res, await flow.cancel(tx), lang), true),
  );

  async function handleStepError(
    res: Response,
    tx: LoginTransaction,
    lang: Lang,
    err: unknown,
    extra: { email?: string } = {},
  ) {
    if (!isDomainError(err)) throw err;
    const key = STEP_MESSAGES[err.code] ?? 'unavailable';
    await renderStep(res, tx, lang, { ...extra, error: t(lang, key) }, ERROR_STATUS[err.kind]);
  }
}
