import { expect } from 'chai';
import {
  applyEvent,
  initialStats,
  sampleJourneys,
  statsView,
  type Replay,
  type ReplayOptions,
  type ReplayedEvent,
} from '@idp/audit';
import type { NatsConnection } from '@idp/events';
import { createLogger, createMetricsRegistry } from '@idp/observability';
import { waitFor } from '@idp/testing';
import { startStatsProjection, type StatsProjection } from './stats-projection.js';

const log = createLogger({ service: 'test', level: 'silent' });
const journeys = sampleJourneys({ events: 30, seed: 3 });
const stored: ReplayedEvent[] = journeys.map((envelope, i) => ({
  seq: i + 1,
  time: new Date(envelope.occurredAt),
  subject: envelope.subject,
  headers: undefined,
  body: new Uint8Array(),
  envelope,
  problem: undefined,
}));

/**
 * A log reader that serves `stored` from the requested start, fails once after `failAfter` events,
 * and on its next call first hands out `redeliver` events again (as a reader that lost its place
 * would), so the projection's own resume and duplicate guard are what keep the counts right.
 */
function flakyReader(failAfter: number, redeliver: number) {
  const starts: string[] = [];
  let failed = false;
  const read = (_nc: NatsConnection, o: ReplayOptions = {}): Replay => {
    const start = o.start ?? { kind: 'beginning' };
    starts.push(`${o.follow ? 'follow' : 'catch-up'}@${start.kind === 'seq' ? start.seq : start.kind}`);
    const from = start.kind === 'seq' ? start.seq : 1;
    const again = failed && starts.length === 2 ? redeliver : 0;
    return {
      progress: { scanned: 0, delivered: 0, misfits: 0, lastSeqAtStart: stored.length, lastSeq: 0 },
      async *[Symbol.asyncIterator]() {
        for (const e of stored.slice(from - 1 - again)) {
          if (!failed && e.seq > failAfter) {
            failed = true;
            throw new Error('connection lost');
          }
          yield e;
        }
        if (o.follow) await new Promise<void>((r) => o.signal?.addEventListener('abort', () => r()));
      },
    };
  };
  return { read, starts };
}

describe('stats projection', () => {
  let p: StatsProjection | undefined;
  afterEach(() => p?.stop());

  it('resumes after a failed read at the last sequence + 1 and counts a redelivered event once', async () => {
    const reader = flakyReader(12, 4);
    p = startStatsProjection({
      nc: {} as NatsConnection,
      log,
      registry: createMetricsRegistry({ service: 'notary', instance: 't' }),
      retryMs: 1,
      read: reader.read,
    });
    await p.caughtUp;
    await waitFor('following', () => reader.starts.length === 3);
    await p.stop();
    expect(reader.starts).to.deep.equal(['catch-up@beginning', 'catch-up@13', `follow@${stored.length + 1}`]);
    expect(p.lastSeq()).to.equal(stored.length);
    const rebuilt = initialStats();
    for (const e of journeys) applyEvent(rebuilt, e);
    expect(p.view('day')).to.deep.equal({ ...statsView(rebuilt, 'day'), lastSeq: stored.length });
  });

  it('reports catching up, then ready, then the read error while it waits to retry', async () => {
    const reader = flakyReader(Number.POSITIVE_INFINITY, 0);
    const projection = startStatsProjection({
      nc: {} as NatsConnection,
      log,
      registry: createMetricsRegistry({ service: 'notary', instance: 't' }),
      retryMs: 60_000,
      // Catching up works; following fails at once (NATS went away).
      read: (nc, o) => {
        if (!o?.follow) return reader.read(nc, o);
        return {
          progress: { scanned: 0, delivered: 0, misfits: 0, lastSeqAtStart: 0, lastSeq: 0 },
          // eslint-disable-next-line require-yield -- a reader that fails before its first event
          async *[Symbol.asyncIterator]() {
            throw new Error('no responders');
          },
        };
      },
    });
    p = projection;
    await projection.check().then(
      () => expect.fail('ready before catching up'),
      (err: Error) => expect(err.message).to.equal('catching up (read through seq 0)'),
    );
    await projection.caughtUp;
    await waitFor('the follow error', () =>
      projection.check().then(
        () => false,
        (err: Error) => err.message === 'following the log: no responders',
      ),
    );
    expect(projection.isCaughtUp()).to.equal(true);
  });
});
