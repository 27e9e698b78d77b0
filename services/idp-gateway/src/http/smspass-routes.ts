import { accountsRpc, activationRpc, type ActivationRequestView } from '@idp/events';
import type { z } from '@idp/config';
import type { Express, Request, RequestHandler, Response } from '@idp/web';
import type { FlowDeps } from '../flow/deps.js';
import { t } from '../web/i18n.js';
import {
  certificateOutcome,
  certificateRoute as presentCertificateRoute,
  type CertificatePageOptions,
} from './certificate-route.js';
import { field, formErrors, normalisePhone, type FormErrors } from './pages.js';
import { userPages, type UserPageContext } from './user-pages.js';

type RequestView = z.infer<typeof ActivationRequestView>;

export type SmsPassPageOptions = CertificatePageOptions;

const PAGE = '/account/smspass';
const ENDED = {
  rejected: 'stateRejected',
  expired: 'stateExpired',
  cancelled: 'stateCancelled',
  blocked: 'stateBlocked',
} as const;

/** The smsPASS activation pages: request, certificate, activation code, SMS code, cancel. */
export function mountSmsPassRoutes(app: Express, d: FlowDeps, o: SmsPassPageOptions): void {
  const user = userPages(d);

  const current = async (accountId: string, correlationId: string): Promise<RequestView | undefined> =>
    (await d.rpc.call(activationRpc.get, { accountId }, { correlationId })).request;

  const show = async (
    req: Request,
    ctx: UserPageContext,
    extra: { errors?: FormErrors; v?: Record<string, string> } = {},
    status = 200,
  ) => {
    const { lang, session } = ctx;
    // Independent answers of two services: asked at once.
    const [request, personal] = await Promise.all([
      current(session.accountId, req.correlationId),
      d.rpc.call(
        accountsRpc.getPersonalData,
        { accountId: session.accountId },
        { correlationId: req.correlationId },
      ),
    ]);
    const outcome = certificateOutcome(req, lang);
    const errors: FormErrors = { ...(outcome ? { _form: outcome } : {}), ...extra.errors };
    const ended = request && request.state in ENDED ? (request.state as keyof typeof ENDED) : undefined;
    const view =
      personal.state === 'smspass_active' || request?.state === 'completed'
        ? 'active'
        : !request || ended
          ? 'request'
          : request.state;
    ctx.render(
      'smspass',
      {
        title: t(lang, 'smspassTitle'),
        view,
        request,
        personal,
        endedNotice: ended ? t(lang, 'requestEnded', { s: t(lang, ENDED[ended]) }) : undefined,
        rejectedNotice:
          ended === 'rejected' && request?.rejectionReason
            ? t(lang, 'rejectedBecause', { r: request.rejectionReason })
            : undefined,
        attemptsText:
          request?.codeAttemptsLeft !== undefined
            ? t(lang, 'attemptsLeft', { n: request.codeAttemptsLeft })
            : undefined,
        certificateAction: o.certificateActionUrl
          ? `${o.certificateActionUrl}${PAGE}/certificate`
          : undefined,
        v: extra.v ?? {},
        errors,
      },
      status,
    );
  };

  /** Runs an activation command on the citizen's open request; a refusal is shown on the page. */
  const command = async (
    req: Request,
    res: Response,
    ctx: UserPageContext,
    run: (request: RequestView) => Promise<unknown>,
    v: Record<string, string> = {},
    done = PAGE,
  ) => {
    const request = await current(ctx.session.accountId, req.correlationId);
    try {
      if (!request) throw new Error('no activation request');
      await run(request);
    } catch (err) {
      if (!request) return show(req, ctx, { errors: { _form: t(ctx.lang, 'errRequestExpired') } }, 409);
      const e = formErrors(err, ctx.lang);
      return show(req, ctx, { errors: e.errors, v }, e.status);
    }
    res.redirect(303, done);
  };

  app.get(PAGE, ...user(PAGE, async (req, _res, ctx) => show(req, ctx)));

  app.post(
    `${PAGE}/request`,
    ...user(PAGE, async (req, res, ctx) => {
      const path = field(req, 'path');
      const errors: FormErrors = {};
      if (field(req, 'confirm') !== 'yes') errors.confirm = t(ctx.lang, 'errConfirmData');
      if (path !== 'ra' && path !== 'certificate') errors['path-ra'] = t(ctx.lang, 'errChoosePath');
      if (Object.keys(errors).length) return show(req, ctx, { errors, v: { path } }, 400);
      try {
        await d.rpc.call(
          activationRpc.request,
          {
            accountId: ctx.session.accountId,
            path: path as 'ra' | 'certificate',
            personalDataConfirmed: true,
          },
          { correlationId: req.correlationId },
        );
      } catch (err) {
        const e = formErrors(err, ctx.lang);
        return show(req, ctx, { errors: e.errors, v: { path } }, e.status);
      }
      res.redirect(303, PAGE);
    }),
  );

  app.post(
    `${PAGE}/code`,
    ...user(PAGE, async (req, res, ctx) => {
      const code = field(req, 'code', 32);
      const phone = normalisePhone(field(req, 'phone', 30));
      const v = { code, phone };
      const errors: FormErrors = {};
      if (code.length < 6) errors.code = t(ctx.lang, code ? 'errCodeInvalid' : 'required');
      if (!/^\+[1-9]\d{6,14}$/.test(phone)) errors.phone = t(ctx.lang, 'errInvalidPhone');
      if (Object.keys(errors).length) return show(req, ctx, { errors, v }, 400);
      await command(
        req,
        res,
        ctx,
        (r) =>
          d.rpc.call(
            activationRpc.enterCode,
            { accountId: ctx.session.accountId, requestId: r.requestId, code, phone },
            { correlationId: req.correlationId },
          ),
        v,
      );
    }),
  );

  app.post(
    `${PAGE}/phone`,
    ...user(PAGE, async (req, res, ctx) => {
      const smsCode = field(req, 'smsCode', 12).replace(/\s+/g, '');
      if (!/^\d{6}$/.test(smsCode))
        return show(req, ctx, { errors: { smsCode: t(ctx.lang, 'badCode') } }, 400);
      await command(
        req,
        res,
        ctx,
        (r) =>
          d.rpc.call(
            activationRpc.confirmPhone,
            { accountId: ctx.session.accountId, requestId: r.requestId, smsCode },
            { correlationId: req.correlationId },
          ),
        {},
        '/account?saved=smspass',
      );
    }),
  );

  app.post(
    `${PAGE}/cancel`,
    ...user(PAGE, async (req, res, ctx) =>
      command(req, res, ctx, (r) =>
        d.rpc.call(
          activationRpc.cancel,
          { accountId: ctx.session.accountId, requestId: r.requestId },
          { correlationId: req.correlationId },
        ),
      ),
    ),
  );

  // Served by the public app too: behind a proxy that forwards the certificate, this is where it arrives.
  if (o.header && o.trustProxy) app.post(`${PAGE}/certificate`, ...certificateRoute(d, o));
}

/** POST /account/smspass/certificate (see {@link presentCertificateRoute}): path `certificate` of an activation. */
export const certificateRoute = (d: FlowDeps, o: SmsPassPageOptions): RequestHandler[] =>
  presentCertificateRoute(d, o, {
    page: PAGE,
    async present(accountId, cert, correlationId) {
      const { request } = await d.rpc.call(activationRpc.get, { accountId }, { correlationId });
      if (!request) return false;
      await d.rpc.call(
        activationRpc.presentCertificate,
        { accountId, requestId: request.requestId, ...cert },
        { correlationId },
      );
      return true;
    },
  });
