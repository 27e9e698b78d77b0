import { ActivationMailSendJobV1, sealMailJob, type Sealer } from '@idp/events';
import type { EventFactory, MailQueue } from '../../ports.js';

/**
 * Mail jobs whose recipient and parameters (link tokens) are sealed for the activation service's
 * worker: the outbox row and the work-queue message hold neither in clear.
 */
export function sealedMailQueue(o: { sealer: Sealer; event: EventFactory }): MailQueue {
  return {
    job(mail, ctx) {
      return o.event(
        ActivationMailSendJobV1,
        {
          aggregate: { type: 'account', id: mail.accountId },
          data: sealMailJob(o.sealer, {
            to: mail.to,
            params: mail.params ?? {},
            template: mail.template,
            language: mail.language,
          }),
        },
        ctx,
      );
    },
  };
}
