import { accountsRpc, correctionRpc, type CorrectionView } from '@idp/events';
import type { z } from '@idp/config';
import type { Express, Request, RequestHandler, Response } from '@idp/web';
import type { FlowDeps } from '../flow/deps.js';
import { t } from '../web/i18n.js';
import { certificateOutcome, certificateRoute, type CertificatePageOptions } from './certificate-route.js';
import { field, formErrors, type FormErrors } from './pages.js';
import { userPages, type UserPageContext } from './user-pages.js';

type Correction = z.infer<typeof CorrectionView>;

const PAGE = '/account/correction';
const ENDED = { rejected: 'stateRejected', expired: 'stateExpired', cancelled: 'stateCancelled' } as const;
const LABELS = { given_name: 'givenName', family_name: 'familyName', address: 'address' } as const;

type Address = { street: string; postalCode: string; city: string; country: string };
const line = (a: Address) => `${a.street}, ${a.postalCode} ${a.city}, ${a.country}`;
/** Names and address, keyed as corrections name them, as the page shows them. */
const values = (p: {
  givenName?: string | undefined;
  familyName?: string | undefined;
  address?: Address | undefined;
}) => ({
  given_name: p.givenName,
  family_name: p.familyName,
  address: p.address && line(p.address),
});

/**
 * Corrections of the data that identifies the citizen (given name, surname, permanent address):
 * unlike contact data they are not edited here but asked for, and proven at a registration office
 * or, for the names, by a qualified certificate. Activation runs the request; accounts applies it.
 */
export function mountCorrectionRoutes(app: Express, d: FlowDeps, o: CertificatePageOptions): void {
  const user = userPages(d);

  const latest = async (accountId: string, correlationId: string): Promise<Correction | undefined> =>
    (await d.rpc.call(correctionRpc.getCorrection, { accountId }, { correlationId })).correction;

  const show = async (
    req: Request,
    ctx: UserPageContext,
    extra: { errors?: FormErrors; v?: Record<string, string> } = {},
    status = 200,
  ) => {
    const { lang, session } = ctx;
    const [correction, personal] = await Promise.all([
      latest(session.accountId, req.correlationId),
      d.rpc.call(
        accountsRpc.getPersonalData,
        { accountId: session.accountId },
        { correlationId: req.correlationId },
      ),
    ]);
    const outcome = certificateOutcome(req, lang);
    const open = correction?.state === 'submitted' ? correction : undefined;
    const ended =
      correction && correction.state in ENDED ? (correction.state as keyof typeof ENDED) : undefined;
    const { address } = personal;
    ctx.render(
      'correction',
      {
        title: t(lang, 'correctionTitle'),
        personal,
        open,
        // What the open correction changes, beside what is on record now.
        rows: open
          ? open.fields.map((f) => ({
              field: f,
              label: t(lang, LABELS[f]),
              current: values(personal)[f],
              proposed: values(open.proposed ?? {})[f],
            }))
          : [],
        notice:
          correction?.state === 'approved'
            ? t(lang, 'correctionApproved', { n: correction.requestNumber })
            : ended
              ? t(lang, 'correctionEnded', { n: correction!.requestNumber, s: t(lang, ENDED[ended]) })
              : undefined,
        rejectedNotice:
          ended === 'rejected' && correction?.rejectionReason
            ? t(lang, 'rejectedBecause', { r: correction.rejectionReason })
            : undefined,
        certificateAction: o.certificateActionUrl
          ? `${o.certificateActionUrl}${PAGE}/certificate`
          : undefined,
        v: extra.v ?? {
          givenName: personal.givenName ?? '',
          familyName: personal.familyName ?? '',
          street: address?.street ?? '',
          postalCode: address?.postalCode ?? '',
          city: address?.city ?? '',
          country: address?.country ?? 'SI',
          path: '',
        },
        errors: { ...(outcome ? { _form: outcome } : {}), ...extra.errors },
      },
      status,
    );
  };

  app.get(PAGE, ...user(PAGE, async (req, _res, ctx) => show(req, ctx)));

  app.post(
    `${PAGE}/request`,
    ...user(PAGE, async (req, res, ctx) => {
      const { lang } = ctx;
      const v = {
        givenName: field(req, 'givenName', 100),
        familyName: field(req, 'familyName', 100),
        street: field(req, 'street', 200),
        postalCode: field(req, 'postalCode', 20),
        city: field(req, 'city', 100),
        country: field(req, 'country', 2).toUpperCase(),
        path: field(req, 'path'),
      };
      const errors: FormErrors = {};
      if (!v.givenName) errors.givenName = t(lang, 'required');
      if (!v.familyName) errors.familyName = t(lang, 'required');
      // An account may have no address on record yet: leaving it empty proposes none.
      const withAddress = Boolean(v.street || v.postalCode || v.city);
      if (withAddress) {
        for (const k of ['street', 'postalCode', 'city'] as const) if (!v[k]) errors[k] = t(lang, 'required');
        if (!/^[A-Z]{2}$/.test(v.country)) errors.country = t(lang, 'errInvalidCountry');
      }
      if (v.path !== 'ra' && v.path !== 'certificate') errors['path-ra'] = t(lang, 'errChoosePath');
      if (Object.keys(errors).length) return show(req, ctx, { errors, v }, 400);
      try {
        await d.rpc.call(
          correctionRpc.requestCorrection,
          {
            accountId: ctx.session.accountId,
            path: v.path as 'ra' | 'certificate',
            givenName: v.givenName,
            familyName: v.familyName,
            ...(withAddress
              ? { address: { street: v.street, postalCode: v.postalCode, city: v.city, country: v.country } }
              : {}),
          },
          { correlationId: req.correlationId },
        );
      } catch (err) {
        const e = formErrors(err, lang);
        return show(req, ctx, { errors: e.errors, v }, e.status);
      }
      res.redirect(303, PAGE);
    }),
  );

  app.post(
    `${PAGE}/cancel`,
    ...user(PAGE, async (req: Request, res: Response, ctx) => {
      const correction = await latest(ctx.session.accountId, req.correlationId);
      if (correction?.state !== 'submitted') return res.redirect(303, PAGE);
      try {
        await d.rpc.call(
          correctionRpc.cancelCorrection,
          { accountId: ctx.session.accountId, requestId: correction.requestId },
          { correlationId: req.correlationId },
        );
      } catch (err) {
        const e = formErrors(err, ctx.lang);
        return show(req, ctx, { errors: e.errors }, e.status);
      }
      res.redirect(303, PAGE);
    }),
  );

  // Served by the public app too: behind a proxy that forwards the certificate, this is where it arrives.
  if (o.header && o.trustProxy) app.post(`${PAGE}/certificate`, ...correctionCertificateRoute(d, o));
}

/** POST /account/correction/certificate: path `certificate` of a correction (mTLS listener or trusted proxy). */
export const correctionCertificateRoute = (d: FlowDeps, o: CertificatePageOptions): RequestHandler[] =>
  certificateRoute(d, o, {
    page: PAGE,
    async present(accountId, cert, correlationId) {
      const { correction } = await d.rpc.call(correctionRpc.getCorrection, { accountId }, { correlationId });
      if (correction?.state !== 'submitted') return false;
      await d.rpc.call(
        correctionRpc.presentCorrectionCertificate,
        { accountId, requestId: correction.requestId, ...cert },
        { correlationId },
      );
      return true;
    },
  });
