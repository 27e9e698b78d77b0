import {
  ActivationMailFailedV1,
  ActivationMailSendJobV1,
  ActivationMailSentV1,
  openMailJob,
  buildEnvelope,
  on,
  type Catalog,
  type MessageContext,
  type Sealer,
} from '@idp/events';
import { enqueue, processOnce, type Kysely, type OutboxTables } from '@idp/db';
import { Counter, type Registry } from '@idp/observability';
import { renderMail } from './templates.js';
import { MailSendError, type MailTransport } from './transport.js';

/** Durable consumer name, also the key of its processed-message records. */
export const MAIL_CONSUMER = 'activation-mail';

export interface SendMailDeps<DB extends OutboxTables = OutboxTables> {
  db: Kysely<DB>;
  sealer: Sealer;
  transport: MailTransport;
  catalog: Catalog;
  producer: string;
  now: () => Date;
  registry: Registry;
  publicBaseUrl: string;
  /** The consumer's attempt budget: the handler reports `mail_failed` on the last one. */
  maxAttempts: number;
}

/**
 * Worker for idp.work.mail.send.v1. Transient failures throw, so the consumer redelivers with
 * backoff; a permanent one (5xx, an unreadable job) or the last attempt becomes `mail_failed`.
 * After the last transient failure it still throws, so the consumer copies the job to the
 * dead-letter subject where an operator can requeue it. The outcome event and the job's
 * processed-message record commit together, so a redelivery after that does not send again.
 */
export function sendMail<DB extends OutboxTables>(d: SendMailDeps<DB>) {
  const outcomes = new Counter({
    name: 'idp_activation_mails_total',
    help: 'E-mail delivery attempts by transport, template and outcome (sent, retry, failed).',
    labelNames: ['transport', 'template', 'outcome'],
    registers: [d.registry],
  });
  return on(ActivationMailSendJobV1, async (env, dctx) => {
    const { mailId, template, language, sealed } = env.data;
    const ctx: MessageContext = { correlationId: env.correlationId, causationId: env.id };
    const transport = d.transport.name;
    const log = dctx.log.child({ mailId, template, transport });
    const count = (outcome: 'sent' | 'retry' | 'failed') => outcomes.inc({ transport, template, outcome });
    const base = { mailId, template, transport, attempts: dctx.attempt };
    const record = (e: ReturnType<typeof sentEvent>) =>
      d.db.transaction().execute(async (trx) => {
        if (await processOnce(trx, MAIL_CONSUMER, env.id)) await enqueue(trx, [e]);
      });
    const build = { producer: d.producer, catalog: d.catalog, now: d.now };
    const aggregate = env.aggregate;
    const sentEvent = () => buildEnvelope(ActivationMailSentV1, { aggregate, data: base }, ctx, build);
    const failedEvent = (error: string) =>
      buildEnvelope(ActivationMailFailedV1, { aggregate, data: { ...base, error } }, ctx, build);

    let mail;
    let rendered;
    try {
      mail = openMailJob(d.sealer, { mailId, sealed });
      rendered = renderMail(template, language, mail.params, d.publicBaseUrl);
    } catch {
      // Sealed with a key this instance does not have (rotated?), tampered with, or missing its
      // parameters: no retry helps.
      log.error('mail job does not open or render; reported as failed');
      count('failed');
      await record(failedEvent('unreadable_job'));
      return;
    }

    try {
      await d.transport.send({ to: mail.to, ...rendered });
    } catch (err) {
      if (!(err instanceof MailSendError)) log.error({ err }, 'mail transport failed unexpectedly');
      // No `cause` from here on: a server's reply may quote the address, and the consumer logs
      // what the handler throws.
      const e =
        err instanceof MailSendError
          ? new MailSendError(err.reason, err.permanent)
          : new MailSendError('unexpected', false);
      const last = dctx.attempt >= d.maxAttempts;
      if (!e.permanent && !last) {
        count('retry');
        log.warn({ reason: e.reason, attempt: dctx.attempt }, 'mail not sent; will retry');
        throw e;
      }
      count('failed');
      log.error(
        { reason: e.reason, attempt: dctx.attempt, permanent: e.permanent },
        'mail could not be sent',
      );
      await record(failedEvent(e.reason));
      if (e.permanent) return;
      throw e;
    }
    count('sent');
    log.info({ attempt: dctx.attempt }, 'mail sent');
    await record(sentEvent());
  });
}
