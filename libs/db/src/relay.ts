import { createHash } from 'node:crypto';
import pg from 'pg';
import { publishEnvelope, type Envelope, type EventSigner, type JetStreamClient } from '@idp/events';
import { Counter, Gauge, type Logger, type Registry } from '@idp/observability';
import { assertSchemaName } from './database.js';
import { wrapDbError } from './errors.js';
import { outboxChannel } from './outbox.js';

export interface OutboxRelayOptions {
  /** The service's pool (`createDatabase(...).pool`); the listener opens its own connection with the same settings. */
  pool: pg.Pool;
  schema: string;
  js: JetStreamClient;
  /** Signs each published envelope: the relay publishes on behalf of the service that owns the schema. */
  signer: EventSigner;
  log: Logger;
  registry: Registry;
  /** Rows published per transaction (default 100). */
  batchSize?: number;
  /** Fallback poll when no NOTIFY arrives, and the first retry delay after a failure (default 1000). */
  pollIntervalMs?: number;
  /** Longest wait between retries while NATS or PostgreSQL is failing (default 30000). */
  maxBackoffMs?: number;
  /** Wake on the outbox trigger's NOTIFY (default true); polling alone still delivers, only later. */
  listen?: boolean;
  /** Per-publish wait for the JetStream ack (default 5000). */
  publishTimeoutMs?: number;
}

export interface OutboxRelay {
  /** Lets the batch in hand finish (and commit), then stops polling and closes the listener. */
  stop(): Promise<void>;
  /**
   * Publishes what is pending now, batch after batch, and returns how many rows it marked sent.
   * Returns 0 while another instance holds the schema's relay lock. A publish failure ends the run
   * early (logged and counted); it is not thrown. Database failures are thrown.
   */
  drainOnce(): Promise<number>;
}

interface RelayMetrics {
  published: Counter<'schema'>;
  duplicates: Counter<'schema'>;
  failures: Counter<'schema'>;
  pending: Gauge<'schema'>;
}

const metricsByRegistry = new WeakMap<Registry, RelayMetrics>();
function relayMetrics(registry: Registry): RelayMetrics {
  let m = metricsByRegistry.get(registry);
  if (!m) {
    m = {
      published: new Counter({
        name: 'idp_outbox_published_total',
        help: 'Outbox rows published to JetStream and marked sent.',
        labelNames: ['schema'],
        registers: [registry],
      }),
      duplicates: new Counter({
        name: 'idp_outbox_duplicates_total',
        help: 'Outbox publishes JetStream acknowledged as duplicates: re-sends after a relay crash.',
        labelNames: ['schema'],
        registers: [registry],
      }),
      failures: new Counter({
        name: 'idp_outbox_publish_failures_total',
        help: 'Outbox publishes that failed and will be retried.',
        labelNames: ['schema'],
        registers: [registry],
      }),
      pending: new Gauge({
        name: 'idp_outbox_pending',
        help: 'Outbox rows committed but not yet published.',
        labelNames: ['schema'],
        registers: [registry],
      }),
    };
    metricsByRegistry.set(registry, m);
  }
  return m;
}

/** Advisory-lock key for a schema's relay: stable across processes and versions, unlikely to collide. */
export function relayLockKey(schema: string): string {
  return createHash('sha256').update(`idp.outbox.relay/${schema}`).digest().readBigInt64BE(0).toString();
}

interface BatchResult {
  locked: boolean;
  fetched: number;
  published: number;
  failed: boolean;
}

/**
 * Publishes committed outbox rows to JetStream in `seq` order and marks them sent.
 *
 * Delivery is at least once: a crash after a publish but before the commit re-sends the row, and
 * JetStream drops the copy because `Nats-Msg-Id` is the envelope id (within the stream's duplicate
 * window). Only one instance per schema publishes at a time — each batch first takes a
 * transaction-scoped advisory lock and skips when another instance holds it — so several instances
 * never interleave and reorder one aggregate's events. A failed publish ends the batch (what was
 * published is committed) and is retried with backoff; no row is ever skipped.
 */
export function startOutboxRelay(o: OutboxRelayOptions): OutboxRelay {
  assertSchemaName(o.schema);
  const batchSize = o.batchSize ?? 100;
  if (!Number.isInteger(batchSize) || batchSize < 1)
    throw new Error(`batchSize must be a positive integer: ${batchSize}`);
  const pollIntervalMs = o.pollIntervalMs ?? 1000;
  const maxBackoffMs = o.maxBackoffMs ?? 30_000;
  const log = o.log.child({ component: 'outbox-relay', schema: o.schema });
  const metrics = relayMetrics(o.registry);
  const labels = { schema: o.schema };
  const table = `"${o.schema}".outbox`;
  const lockKey = relayLockKey(o.schema);

  let stopped = false;
  let wakeRequested = false;
  // Pending sleeps (the relay loop's and the listener's reconnect delay), ended early by wake or stop.
  const sleepers = new Set<{ wakeable: boolean; done: () => void }>();
  const wake = () => {
    wakeRequested = true;
    for (const s of sleepers) if (s.wakeable) s.done();
  };

  const batch = async (): Promise<BatchResult> => {
    let client: pg.PoolClient;
    try {
      client = await o.pool.connect();
    } catch (err) {
      throw wrapDbError(err);
    }
    let broken: unknown;
    try {
      // One round trip for the lock and the rows: per published event the relay's round trips, not
      // its queries, cost. Simple-query protocol (no parameters), so the lock key and the batch size
      // are inlined; both are integers computed here. FOR UPDATE as well as the lock: a relay built
      // without this module's lock (an operator's script, an older version) still cannot publish
      // the same rows at the same time.
      const [, fetched] = (await client.query(
        `BEGIN; WITH l AS (SELECT pg_try_advisory_xact_lock(${lockKey}::bigint) AS locked)
         SELECT l.locked, o.seq, o.envelope FROM l LEFT JOIN LATERAL (
           SELECT seq, envelope FROM ${table}
           WHERE l.locked AND published_at IS NULL ORDER BY seq LIMIT ${batchSize} FOR UPDATE
         ) o ON true`,
      )) as unknown as [
        pg.QueryResult,
        pg.QueryResult<{ locked: boolean; seq: string | null; envelope: Envelope | null }>,
      ];
      if (!fetched.rows[0]?.locked) {
        await client.query('ROLLBACK');
        return { locked: false, fetched: 0, published: 0, failed: false };
      }
      const rows = fetched.rows.filter(
        (r): r is { locked: boolean; seq: string; envelope: Envelope } => r.seq !== null,
      );
      const sent: string[] = [];
      let failed = false;
      for (const row of rows) {
        try {
          const ack = await publishEnvelope(o.js, row.envelope, o.signer, o.publishTimeoutMs);
          if (ack.duplicate) metrics.duplicates.inc(labels);
          sent.push(row.seq);
        } catch (err) {
          failed = true;
          metrics.failures.inc(labels);
          log.warn(
            { err, seq: row.seq, eventId: row.envelope.id, subject: row.envelope.subject },
            'outbox publish failed; will retry',
          );
          break;
        }
      }
      // seq values are bigints read back from the table: digits only, safe to inline.
      await client.query(
        sent.length
          ? `UPDATE ${table} SET published_at = now() WHERE seq = ANY('{${sent.join(',')}}'::bigint[]); COMMIT`
          : 'COMMIT',
      );
      metrics.published.inc(labels, sent.length);
      return { locked: true, fetched: rows.length, published: sent.length, failed };
    } catch (err) {
      broken = err;
      // Rows published but not marked are re-sent next time and dropped by JetStream as duplicates.
      await client.query('ROLLBACK').catch(() => undefined);
      throw wrapDbError(err);
    } finally {
      // A connection that failed mid-transaction is discarded rather than handed to the next caller.
      client.release(broken instanceof Error ? broken : undefined);
    }
  };

  const updatePending = async () => {
    try {
      const r = await o.pool.query<{ n: string }>(
        `SELECT count(*) AS n FROM ${table} WHERE published_at IS NULL`,
      );
      metrics.pending.set(labels, Number(r.rows[0]?.n ?? 0));
    } catch {
      // Only a metric: the next cycle tries again, and the relay already reports the outage.
    }
  };

  const drain = async (): Promise<{ published: number; failed: boolean }> => {
    let published = 0;
    let failed = false;
    let drainedEmpty = false;
    try {
      for (;;) {
        const r = await batch();
        published += r.published;
        if (r.failed) failed = true;
        if (r.locked && !r.failed && r.fetched < batchSize) drainedEmpty = true;
        if (!r.locked || r.failed || r.fetched < batchSize || stopped) break;
      }
    } finally {
      // A full pass that ended on a short batch saw the outbox empty: no count query needed.
      if (drainedEmpty) metrics.pending.set(labels, 0);
      else await updatePending();
    }
    return { published, failed };
  };

  // The loop and callers of drainOnce share one queue: a second concurrent drain in this process
  // would only lose the advisory lock to the first and report 0.
  let queue: Promise<unknown> = Promise.resolve();
  const serialized = <T>(fn: () => Promise<T>): Promise<T> => {
    const run = queue.then(fn);
    queue = run.catch(() => undefined);
    return run;
  };

  // While backing off after a failure the sleep is not wakeable: a NOTIFY must not bring the retry forward.
  const sleep = (ms: number, wakeable: boolean) =>
    new Promise<void>((resolve) => {
      if (stopped || (wakeable && wakeRequested)) return resolve();
      const sleeper = {
        wakeable,
        done: () => {
          clearTimeout(timer);
          sleepers.delete(sleeper);
          resolve();
        },
      };
      const timer = setTimeout(sleeper.done, ms);
      sleepers.add(sleeper);
    });

  const loop = async () => {
    let failures = 0;
    while (!stopped) {
      wakeRequested = false;
      try {
        const r = await serialized(drain);
        failures = r.failed ? failures + 1 : 0;
      } catch (err) {
        failures++;
        log.error({ err }, 'outbox relay cycle failed; will retry');
      }
      const delay = failures ? Math.min(maxBackoffMs, pollIntervalMs * 2 ** (failures - 1)) : pollIntervalMs;
      await sleep(delay, failures === 0);
    }
  };

  let listener: { client: pg.Client; ended: Promise<void>; hasEnded: () => boolean } | undefined;
  /**
   * pg's `end()` waits for an 'end' event, which never comes again for a connection that already
   * died (a PostgreSQL restart): skip it then, and bound it otherwise, so stop() cannot hang.
   */
  const endListener = async (l: typeof listener) => {
    if (!l || l.hasEnded()) return;
    await Promise.race([
      l.client.end().catch(() => undefined),
      l.ended,
      new Promise((r) => setTimeout(r, 1000).unref()),
    ]);
  };
  const listen = async () => {
    let attempt = 0;
    while (!stopped) {
      const client = new pg.Client({ ...o.pool.options });
      let hasEnded = false;
      const ended = new Promise<void>((resolve) =>
        client.once('end', () => {
          hasEnded = true;
          resolve();
        }),
      );
      listener = { client, ended, hasEnded: () => hasEnded };
      client.on('error', (err) => {
        if (!stopped) log.warn({ err }, 'outbox listener connection lost; reconnecting');
      });
      client.on('notification', wake);
      try {
        await client.connect();
        await client.query(`LISTEN "${outboxChannel(o.schema)}"`);
        attempt = 0;
        // Rows committed while the listener was down sent no NOTIFY we could hear.
        wake();
        await ended;
      } catch (err) {
        if (!stopped) log.warn({ err }, 'outbox listener could not connect; polling meanwhile');
        await endListener(listener);
      }
      if (!stopped) await sleep(Math.min(maxBackoffMs, 500 * 2 ** attempt++), false);
    }
  };

  // Both loops catch their own failures; these catches only keep a bug from becoming an unhandled rejection.
  const running = loop().catch((err: unknown) => log.error({ err }, 'outbox relay loop crashed'));
  const listening =
    o.listen === false
      ? Promise.resolve()
      : listen().catch((err: unknown) => log.error({ err }, 'outbox listener crashed; polling only'));
  log.info({ batchSize, pollIntervalMs, listen: o.listen !== false }, 'outbox relay started');

  let stopping: Promise<void> | undefined;
  return {
    drainOnce: () => (stopped ? Promise.resolve(0) : serialized(drain).then((r) => r.published)),
    stop() {
      stopping ??= (async () => {
        stopped = true;
        for (const s of sleepers) s.done();
        await running;
        await queue;
        await endListener(listener);
        await listening;
        log.info('outbox relay stopped');
      })();
      return stopping;
    },
  };
}
