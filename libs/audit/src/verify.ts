import { availableParallelism } from 'node:os';
import type { JetStreamClient, JetStreamManager } from '@nats-io/jetstream';
import type { StoredMessage } from './seals.js';
import { lastSequence, readStream } from './seals-stream.js';
import { CheckpointChecker, EventChecker, type Finding } from './verify-checks.js';
import { inlinePool, workerPool, type SignaturePool } from './verify-pool.js';
import type { Trust } from './verify-trust.js';

export interface VerifyOptions {
  js: JetStreamClient;
  jsm: JetStreamManager;
  trust: Trust;
  eventsStream: string;
  sealsStream: string;
  /** Worker threads for signature checks; 0 checks in this thread. Default: one per core, at most 8. */
  workers?: number;
  /** For the throughput figure. */
  clock?: () => number;
}

export interface VerifyReport {
  /** True only when no finding was made: every message signed, sealed ones unchanged, nothing missing. */
  intact: boolean;
  eventsStream: string;
  sealsStream: string;
  /** Messages read from the events stream. */
  events: number;
  /** The events stream's last sequence number. */
  lastSeq: number;
  checkpoints: number;
  /** Highest sequence number a valid checkpoint covers. */
  sealedThrough: number;
  /** Signed messages after the last checkpoint: not a failure, the notary seals them next. */
  unsealed: { count: number; fromSeq?: number };
  /** Sorted by stream (seals first), then sequence number. */
  findings: Finding[];
  durationMs: number;
  eventsPerSecond: number;
  workers: number;
}

const BATCH = 256;

/**
 * Verifies the audit log: the checkpoints in the seals stream (signatures, chain) and then every
 * event (signature, sealed digest, missing sequence numbers). Reads both streams through ordered
 * consumers; nothing is written to the server.
 */
export async function verifyAuditLog(o: VerifyOptions): Promise<VerifyReport> {
  const clock = o.clock ?? (() => performance.now());
  const started = clock();
  const checkpoints = new CheckpointChecker(o.trust, o);
  for await (const m of readStream(o.js, o.jsm, o.sealsStream, { fromSeq: 1 })) checkpoints.add(m);
  const seals = checkpoints.finish((await lastSequence(o.jsm, o.sealsStream)) ?? 0);

  const lastSeq = (await lastSequence(o.jsm, o.eventsStream)) ?? 0;
  const workers = o.workers ?? Math.min(8, availableParallelism());
  const pool: SignaturePool = workers > 0 ? workerPool(o.trust, workers) : inlinePool(o.trust);
  const events = new EventChecker(o.trust, seals, o.eventsStream);
  try {
    // Batches go out to the pool as they are read and come back in order, so reading and checking overlap.
    const inFlight: { messages: StoredMessage[]; verdicts: ReturnType<SignaturePool['check']> }[] = [];
    const settleOldest = async () => {
      const b = inFlight.shift()!;
      const verdicts = await b.verdicts;
      b.messages.forEach((m, i) => events.add(m, verdicts[i]));
    };
    let batch: StoredMessage[] = [];
    const flush = async () => {
      if (!batch.length) return;
      inFlight.push({ messages: batch, verdicts: pool.check(batch) });
      batch = [];
      if (inFlight.length > Math.max(2, workers * 2)) await settleOldest();
    };
    for await (const m of readStream(o.js, o.jsm, o.eventsStream, { fromSeq: 1, toSeq: lastSeq })) {
      batch.push(m);
      if (batch.length >= BATCH) await flush();
    }
    await flush();
    while (inFlight.length) await settleOldest();
  } finally {
    await pool.close();
  }
  const eventFindings = events.finish(lastSeq);
  const durationMs = clock() - started;
  const findings = [...seals.findings, ...eventFindings];
  return {
    intact: findings.length === 0,
    eventsStream: o.eventsStream,
    sealsStream: o.sealsStream,
    events: events.events,
    lastSeq,
    checkpoints: seals.checkpoints,
    sealedThrough: seals.sealedThrough,
    unsealed: {
      count: events.unsealed,
      ...(events.firstUnsealed !== undefined ? { fromSeq: events.firstUnsealed } : {}),
    },
    findings,
    durationMs: Math.round(durationMs),
    eventsPerSecond: durationMs > 0 ? Math.round((events.events * 1000) / durationMs) : 0,
    workers,
  };
}

const range = (f: Finding) => (f.toSeq ? `${f.seq}-${f.toSeq}` : String(f.seq));

/** The report as lines for a person: a verdict, the findings one per line, and the figures. */
export function formatReport(r: VerifyReport): string[] {
  const lines = [
    r.intact
      ? `INTACT: ${r.eventsStream} verified (${r.events} events, ${r.checkpoints} checkpoints)`
      : `NOT INTACT: ${r.findings.length} finding(s) in ${r.eventsStream} / ${r.sealsStream}`,
  ];
  for (const f of r.findings) lines.push(`  ${f.kind.padEnd(17)} ${f.stream} seq ${range(f)}: ${f.detail}`);
  lines.push(
    `sealed through seq ${r.sealedThrough} of ${r.lastSeq}` +
      (r.unsealed.count
        ? `; ${r.unsealed.count} event(s) not yet sealed from seq ${r.unsealed.fromSeq}`
        : ''),
    `verified ${r.events} events in ${r.durationMs} ms (${r.eventsPerSecond} events/s, ${r.workers || 'no'} worker thread(s))`,
  );
  return lines;
}
