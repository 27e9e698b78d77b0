import { isDomainError } from '@idp/events';
import type { Request, RequestHandler } from '@idp/web';
import type { FlowDeps } from '../flow/deps.js';
import { t, type Lang, type MessageKey } from '../web/i18n.js';
import { browserState, COOKIE, formBody } from './browser-state.js';
import {
  clientCertificate,
  type ClientCertificate,
  type ClientCertificateSource,
} from './client-certificate.js';
import { sameToken } from './pages.js';

/** Where the pages that take a qualified certificate (smsPASS activation, identity corrections) send it. */
export interface CertificatePageOptions extends ClientCertificateSource {
  /** The origin browsers see (redirects from the mTLS listener go back to it). */
  publicUrl: string;
  /**
   * Where the "present certificate" forms post: the mTLS listener's public URL, the public URL
   * when a trusted proxy forwards certificates, or nothing when neither is configured.
   */
  certificateActionUrl?: string | undefined;
}

/** What one page does with a presented certificate. */
export interface CertificateTarget {
  /** The public page the citizen returns to, with the outcome. */
  page: string;
  /**
   * Hands the certificate to activation for the citizen's open request; false when there is no
   * request to present it for. Activation's refusals are thrown.
   */
  present(accountId: string, cert: ClientCertificate, correlationId: string): Promise<boolean>;
}

/** Outcomes carried back over the redirect (a fixed list: the query is client input). */
const OUTCOMES: Record<string, MessageKey> = {
  missing: 'errCertificateMissing',
  untrusted: 'errCertificateUntrusted',
  revoked: 'errCertificateRevoked',
  mismatch: 'errCertificateMismatch',
  name: 'errCertificateNameMismatch',
  form: 'formExpired',
  unavailable: 'unavailable',
};
const REFUSALS: Record<string, string> = {
  'activation.certificate_untrusted': 'untrusted',
  'activation.certificate_revoked': 'revoked',
  'activation.certificate_subject_mismatch': 'mismatch',
  'activation.certificate_name_mismatch': 'name',
};

/** The message for the outcome a certificate presentation sent the citizen back with, if any. */
export const certificateOutcome = (req: Request, lang: Lang): string | undefined =>
  typeof req.query.certificate === 'string' && OUTCOMES[req.query.certificate]
    ? t(lang, OUTCOMES[req.query.certificate]!)
    : undefined;

/**
 * POST <page>/certificate: hands the presented certificate to activation and goes back to the
 * public page with the outcome. Mounted on the mTLS listener (and on the public listener behind a
 * certificate-forwarding proxy); it answers only with redirects to the public origin, so the mTLS
 * origin never shows a page of its own.
 */
export function certificateRoute(
  d: FlowDeps,
  o: CertificatePageOptions,
  target: CertificateTarget,
): RequestHandler[] {
  const browser = browserState(d.secureCookies);
  const back = (outcome?: string) =>
    `${o.publicUrl}${target.page}${outcome ? `?certificate=${outcome}` : ''}`;
  return [
    formBody,
    (req, res, next) => {
      const run = async () => {
        const id = browser.read(req, COOKIE.session);
        const session = id ? await d.store.getSession(id, d.now()) : undefined;
        // No session here: the public page starts the login and the citizen presents again.
        if (!session) return res.redirect(303, back());
        if (!sameToken((req.body as Record<string, unknown>).csrf, session.csrfToken)) {
          req.log.warn({ errorCode: 'saml.csrf_token_invalid', path: req.path }, 'form refused');
          return res.redirect(303, back('form'));
        }
        const cert = clientCertificate(req, o);
        if (!cert) return res.redirect(303, back('missing'));
        try {
          if (!(await target.present(session.accountId, cert, req.correlationId)))
            return res.redirect(303, back());
        } catch (err) {
          if (!isDomainError(err)) throw err;
          req.log.warn({ errorCode: err.code }, 'certificate refused');
          return res.redirect(303, back(REFUSALS[err.code] ?? 'unavailable'));
        }
        res.redirect(303, back());
      };
      run().catch(next);
    },
  ];
}
