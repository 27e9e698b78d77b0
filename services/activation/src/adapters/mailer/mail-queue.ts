import { ActivationMailSendJobV1, sealMailJob, type MessageContext, type Sealer } from '@idp/events';
import type { ActivationMailer, EventFactory, MailLanguage } from '../../ports.js';

/**
 * Activation mails as `idp.work.mail.send.v1` jobs for the mail worker, sealed by `sealMailJob` as
 * accounts seals its own: the recipient and the parameters (the activation code among them) are
 * AES-256-GCM under `MAIL_SEAL_KEY`, bound to the mail id, so neither the outbox row nor the
 * work-queue message holds them in clear. The caller enqueues the job in the transaction that records the change.
 */
export function sealedActivationMailer(o: { sealer: Sealer; event: EventFactory }): ActivationMailer {
  const job = (
    m: { requestId: string; email: string; lang: MailLanguage },
    template: 'activation_code' | 'activation_expired',
    params: Record<string, string>,
    ctx: MessageContext,
  ) => {
    return o.event(
      ActivationMailSendJobV1,
      {
        aggregate: { type: 'activation_request', id: m.requestId },
        data: sealMailJob(o.sealer, { to: m.email, params, template, language: m.lang }),
      },
      ctx,
    );
  };
  return {
    activationCode: (m, ctx) =>
      job(
        m,
        'activation_code',
        { code: m.code, requestNumber: m.requestNumber, expiresAt: m.expiresAt.toISOString() },
        ctx,
      ),
    expiryNotice: (m, ctx) => job(m, 'activation_expired', { requestNumber: m.requestNumber }, ctx),
  };
}
