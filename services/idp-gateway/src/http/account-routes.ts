import { accountsRpc } from '@idp/events';
import type { Express } from '@idp/web';
import type { FlowDeps } from '../flow/deps.js';
import { t } from '../web/i18n.js';
import { field, formErrors, secretField, type FormErrors } from './pages.js';
import { userPages } from './user-pages.js';

/** Notices a redirect back to /account may ask for (a fixed list: the query is client input). */
const SAVED = {
  contact: 'saved',
  password: 'passwordChanged',
  smspass: 'smspassDone',
  smspassCancelled: 'smspassCancelled',
} as const;

/**
 * The citizen's own pages: personal data, contact data (edited directly), password. Names and the
 * permanent address are identity data, corrected through a request (correction-routes.ts).
 */
export function mountAccountRoutes(app: Express, d: FlowDeps): void {
  const user = userPages(d);

  app.get(
    '/account',
    ...user('/account', async (req, _res, { session, lang, render }) => {
      const data = await d.rpc.call(
        accountsRpc.getPersonalData,
        { accountId: session.accountId },
        { correlationId: req.correlationId },
      );
      const saved =
        typeof req.query.saved === 'string' ? SAVED[req.query.saved as keyof typeof SAVED] : undefined;
      render('account', {
        title: t(lang, 'accountTitle'),
        data,
        ...(saved ? { notice: t(lang, saved) } : {}),
      });
    }),
  );

  const contactPage = async (
    correlationId: string,
    ctx: Parameters<Parameters<typeof user>[1]>[2],
    v?: Record<string, string>,
    errors: FormErrors = {},
    status = 200,
  ) => {
    const data = await d.rpc.call(
      accountsRpc.getPersonalData,
      { accountId: ctx.session.accountId },
      { correlationId },
    );
    ctx.render(
      'contact',
      {
        title: t(ctx.lang, 'contactTitle'),
        contactEmails: data.contactEmails,
        v: v ?? { language: data.language, addEmail: '' },
        errors,
      },
      status,
    );
  };

  app.get(
    '/account/contact',
    ...user('/account/contact', async (req, _res, ctx) => contactPage(req.correlationId, ctx)),
  );

  app.post(
    '/account/contact',
    ...user('/account/contact', async (req, res, ctx) => {
      const { lang } = ctx;
      const v = {
        language: field(req, 'language') === 'en' ? 'en' : 'sl',
        addEmail: field(req, 'addEmail'),
      };
      const raw = (req.body as Record<string, unknown>).removeEmail;
      const removeEmails = (Array.isArray(raw) ? raw : raw === undefined ? [] : [raw])
        .filter((e): e is string => typeof e === 'string')
        .slice(0, 10);
      try {
        await d.rpc.call(
          accountsRpc.updateContactData,
          {
            accountId: ctx.session.accountId,
            addEmails: v.addEmail ? [v.addEmail] : [],
            removeEmails,
            addPhones: [],
            language: v.language as 'sl' | 'en',
          },
          { correlationId: req.correlationId },
        );
      } catch (err) {
        const e = formErrors(err, lang);
        // The only e-mail typed on this form is the one being added.
        if (e.errors.email) e.errors = { addEmail: e.errors.email };
        return contactPage(req.correlationId, ctx, v, e.errors, e.status);
      }
      res.redirect(303, '/account?saved=contact');
    }),
  );

  app.get(
    '/account/password',
    ...user('/account/password', async (_req, _res, { lang, render }) =>
      render('password', { title: t(lang, 'changePassword'), errors: {} }),
    ),
  );

  app.post(
    '/account/password',
    ...user('/account/password', async (req, res, { session, lang, render }) => {
      const currentPassword = secretField(req, 'currentPassword');
      const newPassword = secretField(req, 'password');
      const errors: FormErrors = {};
      if (!currentPassword) errors.currentPassword = t(lang, 'required');
      if (!newPassword) errors.password = t(lang, 'required');
      if (Object.keys(errors).length)
        return render('password', { title: t(lang, 'changePassword'), errors }, 400);
      try {
        await d.rpc.call(
          accountsRpc.changePassword,
          { accountId: session.accountId, currentPassword, newPassword },
          { correlationId: req.correlationId },
        );
      } catch (err) {
        const e = formErrors(err, lang);
        return render('password', { title: t(lang, 'changePassword'), errors: e.errors }, e.status);
      }
      res.redirect(303, '/account?saved=password');
    }),
  );
}
