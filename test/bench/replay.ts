/**
 * Replay benchmark (`make bench-replay`): publishes realistic envelopes (generated login journeys)
 * to a private audit stream, then replays all of them through the code `idp audit replay` runs
 * (ordered consumer + envelope and catalog schema validation) and prints events/s; also the
 * statistics projection alone and replay + projection together. The goal is ≥ 50,000 events/s.
 * A report, not a test: it exits 0 whatever the figures are (non-zero only if it could not run).
 *
 *   node --conditions=source --import tsx test/bench/replay.ts [--events=100000] [--runs=3]
 *     [--batch=4096] [--nats-url=nats://…] [--fresh]
 *   (or BENCH_REPLAY_EVENTS, BENCH_REPLAY_RUNS, BENCH_REPLAY_BATCH, BENCH_REPLAY_NATS_URL)
 *
 * Without a NATS URL it starts its own nats-server (port 29400–29499) keeping its store in
 * var/bench/replay-nats, so a second run reuses the published events; --fresh publishes anew.
 * A given NATS URL must not already carry the catalog's subjects in another stream.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { connect } from '@nats-io/transport-node';
import {
  applyEvent,
  createValidator,
  initialStats,
  replay,
  sampleJourneys,
  statsView,
  type ReplayedEvent,
} from '@idp/audit';
import {
  catalog,
  createTestSigner,
  ensureStreams,
  eventStreamSpec,
  jetstream,
  jetstreamManager,
  publishEnvelope,
  type Envelope,
} from '@idp/events';
import { createLogger } from '@idp/observability';

// Events are stored signed, as the services publish them: the signature headers are part of what a replay reads.
const signer = createTestSigner();
import { isPortOpen, waitFor } from '@idp/testing';
import { REPO_ROOT } from '../../infra/dev/mesh.js';

const out = (line = '') => process.stdout.write(`${line}\n`);

const { values: flags } = parseArgs({
  options: {
    events: { type: 'string' },
    runs: { type: 'string' },
    batch: { type: 'string' },
    'nats-url': { type: 'string' },
    fresh: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  },
});
if (flags.help) {
  out(
    readFileSync(new URL(import.meta.url), 'utf8')
      .split('*/')[0]!
      .replace(/^\/\*\*|^ \* ?/gm, ''),
  );
  process.exit(0);
}
const num = (flag: string | undefined, env: string, dflt: number) => {
  const raw = flag ?? process.env[env];
  if (raw === undefined || raw === '') return dflt;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) {
    process.stderr.write(`bench-replay: ${env} must be a positive integer (got ${raw})\n`);
    process.exit(64);
  }
  return n;
};
const opts = {
  events: num(flags.events, 'BENCH_REPLAY_EVENTS', 100_000),
  runs: num(flags.runs, 'BENCH_REPLAY_RUNS', 3),
  batch: num(flags.batch, 'BENCH_REPLAY_BATCH', 4096),
  natsUrl: flags['nats-url'] ?? process.env.BENCH_REPLAY_NATS_URL,
  fresh: !!flags.fresh,
};
const STREAM_PREFIX = 'BENCH_';
const stream = `${STREAM_PREFIX}IDP_EVENTS`;
const log = createLogger({ service: 'bench-replay', level: 'silent' });
const f0 = (n: number) => Math.round(n).toLocaleString('en-US');

async function startNats(): Promise<{ url: string; child: ChildProcess }> {
  const dir = join(REPO_ROOT, 'var/bench/replay-nats');
  mkdirSync(dir, { recursive: true });
  for (let port = 29_400; port < 29_500; port++) {
    if (await isPortOpen('127.0.0.1', port)) continue;
    const child = spawn('nats-server', ['-a', '127.0.0.1', '-p', String(port), '-js', '-sd', dir], {
      stdio: 'ignore',
    });
    await waitFor(`nats-server on ${port}`, () => isPortOpen('127.0.0.1', port), 15_000, 50);
    return { url: `nats://127.0.0.1:${port}`, child };
  }
  throw new Error('no free port in 29400–29499 for the benchmark nats-server');
}

async function main() {
  const model = /model name\s*:\s*(.*)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? cpus()[0]?.model;
  out('# make bench-replay — audit log replay benchmark');
  out(`date      ${new Date().toISOString()}`);
  out(
    `machine   ${cpus().length} CPUs, ${model}, node ${process.version}, load average ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}`,
  );
  out('          (the CPUs are shared with other work: wall-clock figures vary with the load)');
  out(`settings  ${opts.events} events, ${opts.runs} runs, pull batch ${opts.batch}`);

  const server = opts.natsUrl ? undefined : await startNats();
  const nc = await connect({ servers: server?.url ?? opts.natsUrl! });
  try {
    const jsm = await jetstreamManager(nc);
    const js = jetstream(nc);
    const existing = await jsm.streams.info(stream).then(
      (i) => i.state.messages,
      () => -1,
    );
    if (existing >= 0 && (opts.fresh || existing !== opts.events)) await jsm.streams.delete(stream);
    const reuse = existing === opts.events && !opts.fresh;
    await ensureStreams(jsm, [eventStreamSpec(catalog, { namePrefix: STREAM_PREFIX })], log);

    let published: Envelope[] = sampleJourneys({ events: opts.events, seed: 42 }).slice(0, opts.events);
    if (reuse) {
      out(`stream    ${stream} on ${nc.getServer()}: reusing its ${opts.events} events`);
    } else {
      const t0 = performance.now();
      const window: Promise<unknown>[] = [];
      for (const env of published) {
        window.push(publishEnvelope(js, env, signer, 30_000));
        if (window.length >= 2000) await Promise.all(window.splice(0));
      }
      await Promise.all(window);
      const s = (performance.now() - t0) / 1000;
      out(`stream    ${stream} on ${nc.getServer()}: published ${opts.events} events in ${s.toFixed(1)} s`);
    }
    const bytes = (await jsm.streams.info(stream)).state.bytes;
    out(`          ${f0(bytes / opts.events)} bytes per stored message on average`);
    out();

    const rates: number[] = [];
    for (let run = 1; run <= opts.runs; run++) {
      const validator = createValidator(catalog);
      const r = replay(nc, { stream, validator, batch: opts.batch });
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      let n = 0;
      let misfits = 0;
      for await (const e of r) {
        n++;
        if (e.problem) misfits++;
      }
      const s = (performance.now() - t0) / 1000;
      const c = process.cpuUsage(c0);
      const cpuS = (c.user + c.system) / 1e6;
      rates.push(n / s);
      out(
        `replay + validation  run ${run}: ${n} events in ${s.toFixed(2)} s = ${f0(n / s)} events/s ` +
          `(${misfits} misfits; this process used ${cpuS.toFixed(2)} s CPU = ${f0(n / cpuS)} events per CPU-second)`,
      );
      if (n !== opts.events) throw new Error(`replayed ${n} events, expected ${opts.events}`);
    }

    // The projection on its own, over envelopes already in memory.
    const envelopes: Envelope[] = [];
    for await (const e of replay(nc, { stream, batch: opts.batch })) envelopes.push(e.envelope!);
    published = [];
    const t1 = performance.now();
    const state = envelopes.reduce(applyEvent, initialStats());
    const view = statsView(state, 'day');
    const projS = (performance.now() - t1) / 1000;
    out(
      `stats projection alone: ${envelopes.length} events in ${projS.toFixed(3)} s = ${f0(envelopes.length / projS)} events/s`,
    );

    const t2 = performance.now();
    const live = initialStats();
    let m = 0;
    for await (const e of replay(nc, { stream, batch: opts.batch }) as AsyncIterable<ReplayedEvent>) {
      if (!e.problem) applyEvent(live, e.envelope!);
      m++;
    }
    const bothS = (performance.now() - t2) / 1000;
    out(`replay + validation + stats: ${m} events in ${bothS.toFixed(2)} s = ${f0(m / bothS)} events/s`);
    out(`          ${view.rows.length} days, ${view.totalAccounts} accounts in the projection`);

    const sorted = [...rates].sort((a, b) => a - b);
    const median = sorted[Math.floor(sorted.length / 2)]!;
    out();
    out(
      `${median >= 50_000 ? 'PASS' : 'FAIL'}  replay + validation ≥ 50,000 events/s: median ${f0(median)} events/s (best ${f0(sorted.at(-1)!)})`,
    );
  } finally {
    await nc.close();
    server?.child.kill('SIGTERM');
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench-replay: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
