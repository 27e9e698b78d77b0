import { setTimeout as sleep } from 'node:timers/promises';
import {
  applyEvent,
  initialStats,
  replay,
  statsView,
  type ReplayedEvent,
  type StatsPeriod,
  type StatsView,
} from '@idp/audit';
import { EVENTS_STREAM, type Catalog, type NatsConnection } from '@idp/events';
import { Counter, Gauge, type Logger, type Registry } from '@idp/observability';

export interface StatsProjection {
  /** True once the replay at start-up has read the log to its end; until then counts are partial. */
  isCaughtUp(): boolean;
  /** The last stream sequence read (counted, or left out as a misfit); 0 before the first event. */
  lastSeq(): number;
  /** The published view, as `idp audit stats --format json` prints it, plus `lastSeq`. */
  view(period: StatsPeriod): StatsView & { lastSeq: number };
  /** For /readyz: `catching up` until the start-up replay is done, then any error while following. */
  check(): Promise<void>;
  /** Resolves when the start-up replay has reached the end of the log (tests, start-up log line). */
  readonly caughtUp: Promise<void>;
  stop(): Promise<void>;
}

export interface StatsProjectionOptions {
  nc: NatsConnection;
  /** Default `IDP_EVENTS`. */
  stream?: string;
  /** Default the product's catalog: the same schemas decide misfits as in `idp audit stats`. */
  catalog?: Catalog;
  log: Logger;
  registry: Registry;
  /** Pause before reading again after the replay failed (NATS down, stream unreachable). */
  retryMs?: number;
  /** The log reader; default `@idp/audit`'s replay (unit tests pass one that fails on cue). */
  read?: typeof replay;
}

/**
 * The live anonymous statistics: the same replay reader and the same reducer as `idp audit stats`,
 * so the live state and a rebuild from the log agree by construction, and a test holds them to it.
 *
 * Why an ordered consumer (the replay reader) and not a durable one: the state lives in this
 * process's memory and is rebuilt from the first event at every start, so a durable consumer's
 * server-side position would be of no use after a restart; and a durable consumer shared by the
 * notary's replicas would split the events between them, while each replica needs all of them.
 * The ordered consumer leaves nothing on the server and re-creates itself after a reconnect at
 * its last stream sequence + 1. On top of that this projection keeps its own `lastSeq`: when the
 * reader fails or ends, it starts again at `lastSeq + 1`, and anything at or below `lastSeq` (a
 * redelivery) is ignored, so no event is counted twice or skipped across a NATS reconnect.
 *
 * Two phases: first a replay that ends at the log's last sequence when it starts (not ready until
 * then), then a replay that follows new events from the next sequence on.
 */
export function startStatsProjection(o: StatsProjectionOptions): StatsProjection {
  const stream = o.stream ?? EVENTS_STREAM;
  const retryMs = o.retryMs ?? 1000;
  const read = o.read ?? replay;
  const state = initialStats();
  let lastSeq = 0;
  let isCaughtUp = false;
  let lastError: Error | undefined;
  const abort = new AbortController();
  let markCaughtUp!: () => void;
  const caughtUp = new Promise<void>((resolve) => (markCaughtUp = resolve));

  const throughSeq = new Gauge({
    name: 'idp_notary_stats_through_seq',
    help: 'Last IDP_EVENTS sequence the statistics projection has read.',
    registers: [o.registry],
  });
  const misfits = new Counter({
    name: 'idp_notary_stats_misfits_total',
    help: 'Events left out of the statistics because they do not fit their schema.',
    registers: [o.registry],
  });
  const redeliveries = new Counter({
    name: 'idp_notary_stats_redeliveries_total',
    help: 'Events delivered again after a reconnect and ignored, being counted already.',
    registers: [o.registry],
  });

  const take = (e: ReplayedEvent) => {
    if (e.seq <= lastSeq) {
      redeliveries.inc();
      return;
    }
    lastSeq = e.seq;
    throughSeq.set(lastSeq);
    // As the CLI does: a misfit is left out, the projection counts only events that fit their schema.
    if (e.problem) {
      misfits.inc();
      o.log.warn(
        { seq: e.seq, subject: e.subject, problem: e.problem.kind },
        'event left out of the statistics',
      );
    } else applyEvent(state, e.envelope!);
  };

  const run = async () => {
    const started = Date.now();
    while (!abort.signal.aborted) {
      const following = isCaughtUp;
      // Reported only while waiting to retry: a follow that resumed may wait long for its next event.
      lastError = undefined;
      try {
        const events = read(o.nc, {
          stream,
          start: lastSeq > 0 ? { kind: 'seq', seq: lastSeq + 1 } : { kind: 'beginning' },
          follow: following,
          signal: abort.signal,
          ...(o.catalog ? { catalog: o.catalog } : {}),
        });
        for await (const e of events) take(e);
        if (abort.signal.aborted) break;
        if (!following) {
          isCaughtUp = true;
          markCaughtUp();
          o.log.info(
            { lastSeq, events: state.events, ms: Date.now() - started },
            'statistics caught up with the log; following new events',
          );
          continue;
        }
        // A follow ends only when aborted; anything else (the connection closed) is resumed below.
        throw new Error('the log reader stopped');
      } catch (err) {
        if (abort.signal.aborted) break;
        lastError = err instanceof Error ? err : new Error(String(err));
        o.log.warn({ err, lastSeq }, `statistics: reading ${stream} failed; resuming after seq ${lastSeq}`);
        await sleep(retryMs, undefined, { signal: abort.signal }).catch(() => undefined);
      }
    }
  };
  const running = run();

  return {
    isCaughtUp: () => isCaughtUp,
    lastSeq: () => lastSeq,
    view: (period) => ({ ...statsView(state, period), lastSeq }),
    check: () => {
      if (!isCaughtUp) return Promise.reject(new Error(`catching up (read through seq ${lastSeq})`));
      return lastError
        ? Promise.reject(new Error(`following the log: ${lastError.message}`))
        : Promise.resolve();
    },
    caughtUp,
    stop: async () => {
      abort.abort();
      await running;
    },
  };
}
