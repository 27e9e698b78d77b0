import { randomUUID } from 'node:crypto';
import { v5 as uuidv5 } from 'uuid';
import { nanos } from '@nats-io/nats-core';
import {
  AckPolicy,
  DeliverPolicy,
  JetStreamApiCodes,
  type ConsumerConfig,
  type ConsumerMessages,
  type JetStreamClient,
  type JetStreamManager,
  type JsMsg,
} from '@nats-io/jetstream';
import { Counter, type Logger, type Registry } from '@idp/observability';
import type { Catalog } from './catalog.js';
import type { EventData, MessageDef } from './define.js';
import type { Envelope } from './envelope.js';
import { MessagingMessageDeadLetteredV1 } from './contracts/messaging.js';
import { HEADER, contextHeaders } from './nats.js';
import { parseEnvelope, type Publisher } from './publisher.js';
import { isApiError } from './streams.js';

/** Remembers which envelope ids a consumer has already processed. */
export interface IdempotencyStore {
  has(id: string): Promise<boolean>;
  add(id: string): Promise<void>;
}

/**
 * Per-process memory of processed ids, bounded. Enough for redeliveries to the same instance;
 * consumers whose effects must happen once across instances record the id in their own
 * transaction instead (see `processOnce` in @idp/db).
 */
export function memoryIdempotencyStore(max = 100_000): IdempotencyStore {
  const seen = new Set<string>();
  return {
    has: (id) => Promise.resolve(seen.has(id)),
    add: (id) => {
      seen.add(id);
      if (seen.size > max) seen.delete(seen.values().next().value as string);
      return Promise.resolve();
    },
  };
}

export interface DeliveryContext {
  log: Logger;
  /** 1 on the first delivery. */
  attempt: number;
  streamSequence: number;
}

export interface MessageHandler<E extends MessageDef = MessageDef> {
  def: E;
  handle(envelope: Envelope<EventData<E>>, ctx: DeliveryContext): Promise<void>;
}

/** Pairs a catalog entry with its handler, keeping the payload type. */
export const on = <E extends MessageDef>(def: E, handle: MessageHandler<E>['handle']): MessageHandler<E> => ({
  def,
  handle,
});

export interface ConsumeOptions {
  stream: string;
  /** Durable name: instances with the same name share the work; the position survives restarts. */
  durable: string;
  /** One subject or wildcard (nats-server 2.9 allows a single filter per consumer). */
  filterSubject: string;
  handlers: MessageHandler[];
  catalog: Catalog;
  /** Publishes the dead-letter event. */
  publisher: Publisher;
  log: Logger;
  registry: Registry;
  /** Attempts before a message is dead-lettered (the first delivery counts). */
  maxAttempts?: number;
  /** Delay before attempt n+1 is `backoffMs[n-1]` (the last value repeats). */
  backoffMs?: number[];
  /** Redelivered when not acked within this time (a crashed or hung worker). */
  ackWaitMs?: number;
  /** For work queues: where a dead job is copied so it can be requeued (`deadLetterSubject(queue)`). */
  deadLetterSubject?: string;
  idempotency?: IdempotencyStore;
  deliverPolicy?: 'all' | 'new';
}

export interface RunningConsumer {
  /** Stops pulling, lets the message in hand finish, then resolves. */
  stop(): Promise<void>;
}

const DEAD_LETTER_NS = '6f1d3c52-1c1a-4b53-9a43-3f6d0b1e7a10';
const counters = new WeakMap<Registry, Counter<'consumer' | 'subject' | 'outcome'>>();
function consumedCounter(registry: Registry) {
  let c = counters.get(registry);
  if (!c) {
    c = new Counter({
      name: 'idp_messages_consumed_total',
      help: 'JetStream messages handled, by consumer, subject and outcome.',
      labelNames: ['consumer', 'subject', 'outcome'],
      registers: [registry],
    });
    counters.set(registry, c);
  }
  return c;
}

/** Creates or updates the durable consumer so every instance runs with the same settings. */
export async function ensureConsumer(jsm: JetStreamManager, o: ConsumeOptions): Promise<void> {
  const config: Partial<ConsumerConfig> = {
    durable_name: o.durable,
    ack_policy: AckPolicy.Explicit,
    ack_wait: nanos(o.ackWaitMs ?? 30_000),
    // Attempts are counted by the client so a failed dead-letter publish can still be retried.
    max_deliver: -1,
    filter_subject: o.filterSubject,
    max_ack_pending: 1000,
  };
  try {
    await jsm.consumers.info(o.stream, o.durable);
    const { durable_name: _d, ...update } = config;
    await jsm.consumers.update(o.stream, o.durable, update);
  } catch (err) {
    if (!isApiError(err, JetStreamApiCodes.ConsumerNotFound)) throw err;
    await jsm.consumers.add(o.stream, {
      ...config,
      deliver_policy: o.deliverPolicy === 'new' ? DeliverPolicy.New : DeliverPolicy.All,
    });
  }
}

/**
 * A durable pull consumer: explicit ack, bounded redelivery with backoff, a dead-letter event after
 * the last attempt, and duplicates (same envelope id) acknowledged without running the handler.
 */
export async function consume(
  js: JetStreamClient,
  jsm: JetStreamManager,
  o: ConsumeOptions,
): Promise<RunningConsumer> {
  await ensureConsumer(jsm, o);
  const maxAttempts = o.maxAttempts ?? 5;
  const backoff = o.backoffMs ?? [1000, 5000, 30_000, 120_000];
  const idempotency = o.idempotency ?? memoryIdempotencyStore();
  const handlers = new Map(o.handlers.map((h) => [h.def.subject, h]));
  const counter = consumedCounter(o.registry);
  const log = o.log.child({ consumer: o.durable, stream: o.stream });

  const consumer = await js.consumers.get(o.stream, o.durable);
  let messages: ConsumerMessages | undefined;
  let stopped = false;
  let current: Promise<void> = Promise.resolve();

  const deadLetter = async (
    m: JsMsg,
    reason: 'handler_failed' | 'invalid_envelope' | 'unknown_subject' | 'invalid_payload',
    error: string,
    env?: Envelope,
  ) => {
    if (o.deadLetterSubject) {
      await js.publish(o.deadLetterSubject, m.data, {
        headers: contextHeaders(
          { correlationId: env?.correlationId ?? m.headers?.get(HEADER.correlationId) ?? randomUUID() },
          { 'idp-dead-letter-reason': reason, 'idp-original-subject': m.subject },
        ),
        msgID: `dlq:${o.stream}:${m.info.streamSequence}`,
      });
    }
    await o.publisher.publish(
      MessagingMessageDeadLetteredV1,
      {
        // Derived from the message position so a retried dead-lettering is de-duplicated.
        id: uuidv5(`${o.stream}/${o.durable}/${m.info.streamSequence}`, DEAD_LETTER_NS),
        aggregate: { type: 'message', id: `${o.stream}:${m.info.streamSequence}` },
        data: {
          stream: o.stream,
          consumer: o.durable,
          streamSequence: m.info.streamSequence,
          subject: m.subject,
          ...(env ? { messageId: env.id } : {}),
          deliveries: m.info.deliveryCount,
          reason,
          error,
        },
      },
      {
        correlationId: env?.correlationId ?? m.headers?.get(HEADER.correlationId) ?? randomUUID(),
        ...(env ? { causationId: env.id } : {}),
      },
    );
  };

  // A work-queue stream keeps a terminated message (nats-server 2.9); the job was copied to the
  // dead-letter subject, so ack removes it. On the audit stream the message stays either way.
  const settleDead = (m: JsMsg, reason: string) => (o.deadLetterSubject ? m.ack() : m.term(reason));

  const process = async (m: JsMsg) => {
    const attempt = m.info.deliveryCount;
    const mlog = log.child({ subject: m.subject, streamSequence: m.info.streamSequence, attempt });
    let outcome = 'ok';
    let env: Envelope | undefined;
    try {
      try {
        env = parseEnvelope(m.data);
      } catch {
        outcome = 'dead_lettered';
        mlog.error('not an envelope; dead-lettered');
        await deadLetter(m, 'invalid_envelope', 'invalid_envelope');
        settleDead(m, 'invalid envelope');
        return;
      }
      const def = o.catalog.message(env.subject);
      if (!def || env.subject !== m.subject) {
        outcome = 'dead_lettered';
        mlog.error('subject not in the catalog; dead-lettered');
        await deadLetter(m, 'unknown_subject', 'unknown_subject', env);
        settleDead(m, 'unknown subject');
        return;
      }
      const handler = handlers.get(env.subject);
      if (!handler) {
        outcome = 'skipped';
        m.ack();
        return;
      }
      const data = def.schema.safeParse(env.data);
      if (!data.success) {
        outcome = 'dead_lettered';
        mlog.error({ eventId: env.id }, 'payload does not fit its schema; dead-lettered');
        await deadLetter(m, 'invalid_payload', 'invalid_payload', env);
        settleDead(m, 'invalid payload');
        return;
      }
      if (await idempotency.has(env.id)) {
        outcome = 'duplicate';
        m.ack();
        return;
      }
      if (attempt > maxAttempts) {
        // The handler already had its last try; only the dead-lettering failed before.
        outcome = 'dead_lettered';
        await deadLetter(m, 'handler_failed', 'retry_of_dead_letter', env);
        settleDead(m, 'max attempts');
        return;
      }
      const hlog = mlog.child({ eventId: env.id, correlationId: env.correlationId });
      try {
        await handler.handle(
          { ...env, data: data.data },
          { log: hlog, attempt, streamSequence: m.info.streamSequence },
        );
      } catch (err) {
        const code = err instanceof Error ? ((err as { code?: string }).code ?? err.name) : 'unknown';
        if (attempt >= maxAttempts) {
          outcome = 'dead_lettered';
          hlog.error({ err }, 'handler failed on its last attempt; dead-lettered');
          await deadLetter(m, 'handler_failed', String(code), env);
          settleDead(m, 'max attempts');
        } else {
          outcome = 'retry';
          const delay = backoff[Math.min(attempt - 1, backoff.length - 1)] ?? 1000;
          hlog.warn({ err, retryInMs: delay }, 'handler failed; will retry');
          m.nak(delay);
        }
        return;
      }
      await idempotency.add(env.id);
      m.ack();
    } catch (err) {
      // Dead-lettering itself failed (NATS trouble): try again later rather than lose the message.
      outcome = 'retry';
      mlog.error({ err }, 'could not settle message; will retry');
      m.nak(backoff[0] ?? 1000);
    } finally {
      counter.inc({ consumer: o.durable, subject: m.subject, outcome });
    }
  };

  const loop = async () => {
    while (!stopped) {
      try {
        messages = await consumer.consume({ max_messages: 64 });
        for await (const m of messages) {
          current = process(m);
          await current;
          if (stopped) break;
        }
      } catch (err) {
        if (stopped) break;
        log.warn({ err }, 'consumer interrupted; resuming');
        await new Promise((r) => setTimeout(r, 1000));
      }
    }
  };
  const running = loop();

  return {
    async stop() {
      stopped = true;
      await messages?.close();
      await current;
      await running;
    },
  };
}
