import {
  ActivationMailSendJobV1,
  consume,
  deadLetterSubject,
  workStreamName,
  type Catalog,
  type JetStreamClient,
  type JetStreamManager,
  type Publisher,
  type RunningConsumer,
  type Sealer,
} from '@idp/events';
import { pgIdempotencyStore, type Kysely, type OutboxTables } from '@idp/db';
import type { Logger, Registry } from '@idp/observability';
import { MAIL_CONSUMER, sendMail } from './send-mail.js';
import type { MailTransport } from './transport.js';

export interface MailWorkerWiring<DB extends OutboxTables = OutboxTables> {
  js: JetStreamClient;
  jsm: JetStreamManager;
  /** The service's own schema, whose tables include the outbox's. */
  db: Kysely<DB>;
  publisher: Publisher;
  catalog: Catalog;
  log: Logger;
  registry: Registry;
  producer: string;
  sealer: Sealer;
  transport: MailTransport;
  publicBaseUrl: string;
  maxAttempts: number;
  backoffMs: number[];
  ackWaitMs: number;
  now?: () => Date;
  /** Stream the worker reads; tests point it at their own. */
  stream?: string;
  durable?: string;
}

/** Starts the durable mail worker (consumer `activation-mail` on IDP_WORK_MAIL). */
export function startMailWorker<DB extends OutboxTables>(w: MailWorkerWiring<DB>): Promise<RunningConsumer> {
  return consume(w.js, w.jsm, {
    stream: w.stream ?? workStreamName(ActivationMailSendJobV1.queue),
    durable: w.durable ?? MAIL_CONSUMER,
    filterSubject: ActivationMailSendJobV1.subject,
    handlers: [
      sendMail({
        db: w.db,
        sealer: w.sealer,
        transport: w.transport,
        catalog: w.catalog,
        producer: w.producer,
        now: w.now ?? (() => new Date()),
        registry: w.registry,
        publicBaseUrl: w.publicBaseUrl,
        maxAttempts: w.maxAttempts,
      }),
    ],
    catalog: w.catalog,
    publisher: w.publisher,
    log: w.log,
    registry: w.registry,
    maxAttempts: w.maxAttempts,
    backoffMs: w.backoffMs,
    ackWaitMs: w.ackWaitMs,
    deadLetterSubject: deadLetterSubject(ActivationMailSendJobV1.queue),
    // Shared with the handler's own processOnce: a job whose outcome is recorded is never sent again.
    idempotency: pgIdempotencyStore(w.db, w.durable ?? MAIL_CONSUMER),
  });
}
