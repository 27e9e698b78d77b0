import {
  DeliverPolicy,
  jetstream,
  jetstreamManager,
  type ConsumerMessages,
  type JsMsg,
} from '@nats-io/jetstream';
import type { MsgHdrs, NatsConnection } from '@nats-io/nats-core';
import { EVENTS_STREAM, catalog as defaultCatalog, type Catalog } from '@idp/events';
import { compileFilter, serverFilterSubject, type EventFilter } from './filters.js';
import type { ReplayStart } from './replay-start.js';
import { createValidator, type EventProblem, type ReplayedEvent, type Validator } from './replay-validate.js';
import type { Envelope } from '@idp/events';

/** Headers and time are decoded only when read: most consumers of a replay never look at them. */
class StoredEvent implements ReplayedEvent {
  constructor(
    private readonly msg: JsMsg,
    readonly seq: number,
    private readonly nanos: number,
    readonly subject: string,
    readonly body: Uint8Array,
    readonly envelope: Envelope | undefined,
    readonly problem: EventProblem | undefined,
  ) {}
  get headers(): MsgHdrs | undefined {
    return this.msg.headers;
  }
  get time(): Date {
    return new Date(Math.floor(this.nanos / 1_000_000));
  }
}

export interface ReplayOptions {
  /** Stream name; default `IDP_EVENTS` (tests and benchmarks pass their prefixed stream). */
  stream?: string;
  start?: ReplayStart;
  filter?: EventFilter;
  /** Keep delivering new events until `signal` aborts. */
  follow?: boolean;
  /** Last stream sequence to deliver (inclusive). Default: the stream's last sequence when the replay starts. */
  untilSeq?: number;
  /** Aborting ends the replay cleanly (the iteration simply finishes). */
  signal?: AbortSignal;
  /** Catalog holding the subjects' schemas; default the product's catalog. */
  catalog?: Catalog;
  validator?: Validator;
  /** Messages per pull request. Large pulls keep the server streaming; see the benchmark. */
  batch?: number;
}

/** Counters of a replay, readable during and after the iteration. */
export interface ReplayProgress {
  /** Messages read from the stream (after the server-side subject filter). */
  scanned: number;
  /** Messages handed out (passed every filter). */
  delivered: number;
  /** Handed-out messages that do not fit their schema. */
  misfits: number;
  /** The stream's last sequence when the replay started (0 for an empty stream). */
  lastSeqAtStart: number;
  /** The last sequence scanned so far. */
  lastSeq: number;
}

export interface Replay extends AsyncIterable<ReplayedEvent> {
  readonly progress: ReplayProgress;
}

const DEFAULT_BATCH = 1024;

/**
 * Reads the audit stream in order with an ordered consumer (ephemeral, in memory, no acks: the
 * replay leaves no state on the server and cannot disturb the services' durable consumers).
 * Without `follow` it ends at the stream's last sequence at start (or `untilSeq`), so it
 * terminates even while services keep publishing. Each message is validated; the filters run on
 * the client except one subject pattern, which the server applies (NATS 2.9 has one filter
 * subject per consumer).
 */
export function replay(nc: NatsConnection, o: ReplayOptions = {}): Replay {
  const progress: ReplayProgress = { scanned: 0, delivered: 0, misfits: 0, lastSeqAtStart: 0, lastSeq: 0 };
  return {
    progress,
    [Symbol.asyncIterator]: () => run(nc, o, progress),
  };
}

async function* run(
  nc: NatsConnection,
  o: ReplayOptions,
  progress: ReplayProgress,
): AsyncGenerator<ReplayedEvent> {
  const stream = o.stream ?? EVENTS_STREAM;
  const start = o.start ?? { kind: 'beginning' };
  const validator = o.validator ?? createValidator(o.catalog ?? defaultCatalog);
  const matches = compileFilter(o.filter ?? {});
  if (o.signal?.aborted) return;

  const jsm = await jetstreamManager(nc);
  const info = await jsm.streams.info(stream);
  progress.lastSeqAtStart = info.state.last_seq;
  const endSeq = o.follow ? Number.POSITIVE_INFINITY : (o.untilSeq ?? info.state.last_seq);
  if (!o.follow) {
    if (info.state.messages === 0) return;
    if (start.kind === 'seq' && start.seq > endSeq) return;
  }

  const filter = o.filter ? serverFilterSubject(o.filter) : undefined;
  const consumer = await jetstream(nc).consumers.get(stream, {
    ...(filter ? { filter_subjects: filter } : {}),
    ...(start.kind === 'seq' ? { opt_start_seq: start.seq } : {}),
    ...(start.kind === 'time' ? { opt_start_time: start.time.toISOString() } : {}),
    ...(start.kind === 'beginning' ? { deliver_policy: DeliverPolicy.All } : {}),
  });
  // Nothing at or after the start position matches: the server would only answer with heartbeats.
  if (!o.follow && (await consumer.info(true)).num_pending === 0) {
    await consumer.delete().catch(() => undefined);
    return;
  }

  const batch = o.batch ?? DEFAULT_BATCH;
  let messages: ConsumerMessages | undefined;
  const onAbort = () => void messages?.stop();
  o.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    messages = await consumer.consume({ max_messages: batch, threshold_messages: Math.floor(batch / 2) });
    if (o.signal?.aborted) return;
    for await (const m of messages) {
      const mi = m.info;
      const seq = mi.streamSequence;
      if (seq > endSeq) break;
      progress.scanned++;
      progress.lastSeq = seq;
      const subject = m.subject;
      const body = m.data;
      const checked = validator.check(subject, body);
      const event = new StoredEvent(
        m,
        seq,
        mi.timestampNanos,
        subject,
        body,
        checked.envelope,
        checked.problem,
      );
      if (matches(event)) {
        progress.delivered++;
        if (event.problem) progress.misfits++;
        yield event;
      }
      if (o.signal?.aborted) break;
      if (!o.follow && (seq >= endSeq || mi.pending === 0)) break;
    }
  } finally {
    o.signal?.removeEventListener('abort', onAbort);
    await messages?.close().catch(() => undefined);
    await consumer.delete().catch(() => undefined);
  }
}

/** Replays to the end and collects the events (tests, small logs). */
export async function replayAll(nc: NatsConnection, o: ReplayOptions = {}): Promise<ReplayedEvent[]> {
  const out: ReplayedEvent[] = [];
  for await (const e of replay(nc, o)) out.push(e);
  return out;
}
