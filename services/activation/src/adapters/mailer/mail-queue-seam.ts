import { appendFile, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { DomainError } from '@idp/events';
import type { Logger } from '@idp/observability';
import { activationCodeMail, expiryNoticeMail, type MailText } from '../../domain/mail-text.js';
import type { ActivationMailer, Clock } from '../../ports.js';

/**
 * THE SEAM to the mail work queue (`idp.work.mail.send.v1`, built separately). Until it is
 * connected, this mailer enqueues nothing: outside production it appends each rendered mail to a
 * development file (JSON lines) so a developer can read the activation code; in production it
 * refuses, so an identity confirmation is retried (and eventually dead-lettered) instead of
 * storing a code no citizen was sent.
 *
 * To connect it: replace `deliver` with a call that puts one mail job on the queue — sealed, since
 * the body holds a code — ideally through the outbox of the transaction the caller runs in.
 */
export function createMailQueueSeam(o: {
  /** Development file; undefined in production. */
  devSinkFile: string | undefined;
  clock: Clock;
  log: Logger;
}): ActivationMailer {
  const deliver = async (to: string, mail: MailText, kind: string, requestId: string) => {
    if (!o.devSinkFile) {
      throw new DomainError('unavailable', 'events.publish_failed', {
        message: 'the mail queue is not connected: activation mail cannot be sent',
      });
    }
    await mkdir(dirname(o.devSinkFile), { recursive: true });
    const line = {
      to,
      subject: mail.subject,
      text: mail.text,
      kind,
      requestId,
      sentAt: o.clock.now().toISOString(),
    };
    await appendFile(o.devSinkFile, `${JSON.stringify(line)}\n`, { mode: 0o600 });
    o.log.info({ requestId, kind, file: o.devSinkFile }, 'mail written to the development sink');
  };
  return {
    sendActivationCode: (m) =>
      deliver(
        m.email,
        activationCodeMail({
          code: m.code,
          requestNumber: m.requestNumber,
          expiresAt: m.expiresAt,
          lang: m.lang,
        }),
        'activation_code',
        m.requestId,
      ),
    sendExpiryNotice: (m) =>
      deliver(
        m.email,
        expiryNoticeMail({ requestNumber: m.requestNumber, lang: m.lang }),
        'expiry_notice',
        m.requestId,
      ),
  };
}
