// Shared by the integration tests: real PostgreSQL and NATS, a schema and a stream of each test's own.
import { randomBytes } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { z } from 'zod';
import {
  buildEnvelope,
  catalog as baseCatalog,
  defineEvent,
  eventStreamSpec,
  type Envelope,
  type JetStreamManager,
  type StreamSpec,
} from '@idp/events';
import { createLogger } from '@idp/observability';

export const databaseUrl = process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';
export const natsUrl = process.env.NATS_URL || 'nats://127.0.0.1:4222';

/** Set TEST_LOG_LEVEL=debug to see what the relay logs during a test. */
export const testLog = createLogger({
  service: 'db-test',
  level: (process.env.TEST_LOG_LEVEL as 'debug' | undefined) ?? 'silent',
});

export const randomToken = (): string => randomBytes(5).toString('hex');

/** A schema name no other test (or concurrent run) uses. */
export const uniqueSchema = (what: string): string => `t_${what}_${randomToken()}`;

/**
 * An event of this test's own, a catalog holding it, and a stream for just its subject. The stream
 * keeps the audit stream's settings but not the base catalog's subjects, which a real `IDP_EVENTS`
 * on the same server may already own (JetStream refuses overlapping subjects).
 */
export function testEvents() {
  const token = randomToken();
  const ThingHappened = defineEvent(
    `idp.t${token}.thing_happened.v1`,
    z.object({ n: z.number().int() }),
    'Test event for the outbox integration tests.',
  );
  const catalog = baseCatalog.with([ThingHappened]);
  const stream: StreamSpec = {
    ...eventStreamSpec(catalog, { namePrefix: `T${token.toUpperCase()}_`, duplicateWindowMs: 60_000 }),
    subjects: [ThingHappened.subject],
  };
  /** Envelopes numbered `from`..`from+count-1`, on a few aggregates. */
  const envelopes = (count: number, from = 0): Envelope[] =>
    Array.from({ length: count }, (_, i) =>
      buildEnvelope(
        ThingHappened,
        { aggregate: { type: 'thing', id: `thing-${(from + i) % 3}` }, data: { n: from + i } },
        { correlationId: `corr-${token}` },
        { producer: 'db-test@0.0.0/test', catalog },
      ),
    );
  return { token, ThingHappened, catalog, stream, envelopes };
}

export interface StoredEvent {
  seq: number;
  msgId: string | undefined;
  envelope: Envelope;
}

/** Every message in `stream`, in stream order. */
export async function readStream(jsm: JetStreamManager, stream: string): Promise<StoredEvent[]> {
  const info = await jsm.streams.info(stream);
  const out: StoredEvent[] = [];
  for (let seq = info.state.first_seq; seq <= info.state.last_seq && info.state.messages > 0; seq++) {
    const m = await jsm.streams.getMessage(stream, { seq });
    if (m)
      out.push({
        seq: m.seq,
        msgId: m.header?.get('Nats-Msg-Id') || undefined,
        envelope: m.json<Envelope>(),
      });
  }
  return out;
}

/** Polls `probe` until it returns true; fails with `what` after `timeoutMs`. */
export async function eventually(
  what: string,
  probe: () => Promise<boolean>,
  timeoutMs = 10_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await delay(25);
  }
}
