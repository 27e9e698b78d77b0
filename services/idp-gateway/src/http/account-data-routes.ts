import { accountsRpc, otpRpc } from '@idp/events';
import type { Express, Request, Response } from '@idp/web';
import type { FlowDeps } from '../flow/deps.js';
import { LOCAL_SERVICE_NAME } from '../flow/login-flow.js';
import { t, type MessageKey } from '../web/i18n.js';
import { browserState, COOKIE } from './browser-state.js';
import {
  field,
  formErrors,
  langUrl,
  normalisePhone,
  secretField,
  sendPage,
  type FormErrors,
} from './pages.js';
import { userPages, type UserPageContext } from './user-pages.js';

/** Adding a phone needs a login at most this old (the step-up itself counts as one). */
export const PHONE_FRESH_LOGIN_MS = 10 * 60_000;

const PHONES = '/account/phones';
/** Notices a redirect back to the phones page may ask for (a fixed list: the query is client input). */
const PHONE_NOTICES: Record<string, MessageKey> = { added: 'phoneAdded', removed: 'phoneRemoved' };

const E164 = /^\+[1-9]\d{6,14}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The citizen's phones (add with an SMS code, remove), giving up smsPASS, the export of their data
 * (JSON download and a readable page) and the erasure of the account.
 */
export function mountAccountDataRoutes(app: Express, d: FlowDeps): void {
  const user = userPages(d);
  const browser = browserState(d.secureCookies);
  const personal = (req: Request, ctx: UserPageContext) =>
    d.rpc.call(
      accountsRpc.getPersonalData,
      { accountId: ctx.session.accountId },
      { correlationId: req.correlationId },
    );

  const phonesPage = async (
    req: Request,
    ctx: UserPageContext,
    extra: { errors?: FormErrors; v?: Record<string, string> } = {},
    status = 200,
  ) => {
    const data = await personal(req, ctx);
    const notice =
      typeof req.query.done === 'string' && PHONE_NOTICES[req.query.done]
        ? t(ctx.lang, PHONE_NOTICES[req.query.done]!)
        : undefined;
    ctx.render(
      'phones',
      {
        title: t(ctx.lang, 'phonesTitle'),
        phones: data.phones,
        smsPassActive: data.state === 'smspass_active',
        errors: extra.errors ?? {},
        v: extra.v ?? {},
        ...(notice ? { notice } : {}),
      },
      status,
    );
  };

  const codePage = (
    ctx: UserPageContext,
    v: { challengeId: string; phone: string; destinationHint: string },
    errors: FormErrors = {},
    status = 200,
  ) => ctx.render('phone-code', { title: t(ctx.lang, 'phoneCodeTitle'), v, errors }, status);

  app.get(PHONES, ...user(PHONES, async (req, _res, ctx) => phonesPage(req, ctx)));

  app.post(
    `${PHONES}/add`,
    ...user(
      PHONES,
      async (req, _res, ctx) => {
        const phone = normalisePhone(field(req, 'phone', 30));
        if (!E164.test(phone))
          return phonesPage(
            req,
            ctx,
            { errors: { phone: t(ctx.lang, 'errInvalidPhone') }, v: { phone } },
            400,
          );
        let challenge;
        try {
          challenge = await d.rpc.call(
            otpRpc.issue,
            {
              accountId: ctx.session.accountId,
              serviceName: LOCAL_SERVICE_NAME,
              purpose: 'bind_phone',
              phone,
            },
            { correlationId: req.correlationId },
          );
        } catch (err) {
          const e = formErrors(err, ctx.lang);
          return phonesPage(req, ctx, { errors: e.errors, v: { phone } }, e.status);
        }
        codePage(ctx, {
          challengeId: challenge.challengeId,
          phone,
          destinationHint: challenge.destinationHint,
        });
      },
      { freshLoginMs: PHONE_FRESH_LOGIN_MS },
    ),
  );

  app.post(
    `${PHONES}/verify`,
    ...user(
      PHONES,
      async (req, res, ctx) => {
        const challengeId = field(req, 'challengeId', 36);
        const phone = field(req, 'phone', 16);
        const destinationHint = field(req, 'destinationHint', 40);
        const smsCode = field(req, 'smsCode', 12).replace(/\s+/g, '');
        // The challenge and number ride in the form; accounts checks them with otp-sender itself.
        if (!UUID.test(challengeId) || !E164.test(phone)) return res.redirect(303, PHONES);
        const v = { challengeId, phone, destinationHint };
        if (!/^\d{6}$/.test(smsCode)) return codePage(ctx, v, { smsCode: t(ctx.lang, 'badCode') }, 400);
        try {
          await d.rpc.call(
            otpRpc.verify,
            { challengeId, code: smsCode },
            { correlationId: req.correlationId },
          );
          await d.rpc.call(
            accountsRpc.addPhone,
            { accountId: ctx.session.accountId, phone, challengeId },
            { correlationId: req.correlationId },
          );
        } catch (err) {
          const e = formErrors(err, ctx.lang);
          if (e.errors.smsCode) return codePage(ctx, v, e.errors, e.status);
          return phonesPage(req, ctx, { errors: e.errors }, e.status);
        }
        res.redirect(303, `${PHONES}?done=added`);
      },
      { freshLoginMs: PHONE_FRESH_LOGIN_MS },
    ),
  );

  app.post(
    `${PHONES}/remove`,
    ...user(PHONES, async (req, res, ctx) => {
      const phone = field(req, 'phone', 30);
      try {
        await d.rpc.call(
          accountsRpc.removePhone,
          { accountId: ctx.session.accountId, phone },
          { correlationId: req.correlationId },
        );
      } catch (err) {
        const e = formErrors(err, ctx.lang);
        return phonesPage(req, ctx, { errors: e.errors }, e.status);
      }
      res.redirect(303, `${PHONES}?done=removed`);
    }),
  );

  const CANCEL = '/account/smspass/deactivate';
  app.get(
    CANCEL,
    ...user(CANCEL, async (_req, _res, { lang, render }) =>
      render('smspass-deactivate', { title: t(lang, 'deactivateTitle'), errors: {} }),
    ),
  );
  app.post(
    CANCEL,
    ...user(CANCEL, async (req, res, { session, lang, render }) => {
      try {
        await d.rpc.call(
          accountsRpc.cancelSmsPass,
          { accountId: session.accountId },
          { correlationId: req.correlationId },
        );
      } catch (err) {
        const e = formErrors(err, lang);
        return render(
          'smspass-deactivate',
          { title: t(lang, 'deactivateTitle'), errors: e.errors },
          e.status,
        );
      }
      res.redirect(303, '/account?saved=smspassCancelled');
    }),
  );

  const exported = (req: Request, ctx: UserPageContext) =>
    d.rpc.call(
      accountsRpc.exportPersonalData,
      { accountId: ctx.session.accountId },
      { correlationId: req.correlationId },
    );
  app.get(
    '/account/export.json',
    ...user('/account/export', async (req, res, ctx) => {
      const doc = await exported(req, ctx);
      res
        .status(200)
        .type('application/json')
        .set('cache-control', 'no-store')
        .set(
          'content-disposition',
          `attachment; filename="personal-data-${doc.exportedAt.slice(0, 10)}.json"`,
        )
        .send(JSON.stringify(doc, null, 2));
    }),
  );
  app.get(
    '/account/export',
    ...user('/account/export', async (req, _res, ctx) =>
      ctx.render('export', { title: t(ctx.lang, 'exportTitle'), doc: await exported(req, ctx) }),
    ),
  );

  const DELETE = '/account/delete';
  app.get(
    DELETE,
    ...user(DELETE, async (_req, _res, { lang, render }) =>
      render('delete-account', { title: t(lang, 'deleteTitle'), errors: {} }),
    ),
  );
  app.post(
    DELETE,
    ...user(DELETE, async (req: Request, res: Response, { session, lang, render }) => {
      const password = secretField(req, 'currentPassword');
      if (!password)
        return render(
          'delete-account',
          { title: t(lang, 'deleteTitle'), errors: { currentPassword: t(lang, 'required') } },
          400,
        );
      try {
        await d.rpc.call(
          accountsRpc.deleteAccount,
          { accountId: session.accountId, password },
          { correlationId: req.correlationId },
        );
      } catch (err) {
        const e = formErrors(err, lang);
        return render('delete-account', { title: t(lang, 'deleteTitle'), errors: e.errors }, e.status);
      }
      // The account is gone: so is its SSO session, here and in the browser.
      await d.store.deleteSession(session.id);
      res.append('set-cookie', browser.cookie(COOKIE.session, '', 0));
      req.log.info('account erased; SSO session ended');
      sendPage(res, 'message', lang, {
        langUrl: langUrl(req, lang),
        heading: t(lang, 'deletedTitle'),
        message: t(lang, 'deletedBody'),
      });
    }),
  );
}
