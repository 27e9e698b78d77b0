/**
 * `make reset`: deletes the development data `make up` keeps on this machine together with this
 * checkout's keys for it, so that the next `make up` starts clean. The data lives in the machine's
 * NATS, PostgreSQL and Redis; the keys that sign and encrypt it live in var/. Keys made anew beside
 * older data (another checkout, or var/ removed) can neither verify nor read that data.
 *
 *   node --conditions=source --import tsx infra/dev/reset.ts     (asks first; RESET=yes does not)
 *
 * Refuses while a mesh runs. Deletes: the streams named IDP_*; the schemas the services' roles own
 * in database idp (ensure-infra.sh creates them again at the next `make up`); the services' Redis
 * keys; var/event-keys, var/dev-secrets, var/ra-keys, the trust file and the development mail, SMS
 * and letters. Keeps the IdP's signing key, the SP registry, the development CA and the logs.
 */
import { rmSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { createInterface } from 'node:readline/promises';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { Redis } from 'ioredis';
import pg from 'pg';
import { REPO_ROOT, SERVICES, meshData, meshOptionsFromEnv } from './mesh.js';
import { readState, stillRunning } from './state.js';

export interface ResetTarget {
  natsUrl: string;
  /** Streams whose name starts with this are deleted. */
  streamPrefix: string;
  pg: { host: string; port: number; database: string };
  /** Login roles; each drops the schemas it owns in `pg.database` (each service owns its own). */
  roles: readonly string[];
  redisUrl: string;
  /** Keys under these prefixes are deleted. */
  redisPrefixes: readonly string[];
  root: string;
  /** Files and directories under `root` that are removed. */
  paths: readonly string[];
}

/** What `make up` on this checkout writes, from the same settings `make up` reads. */
export function developmentTarget(): ResetTarget {
  const data = meshData(meshOptionsFromEnv());
  return {
    natsUrl: data.natsUrl,
    streamPrefix: 'IDP_',
    pg: data.pg,
    roles: SERVICES.flatMap((s) => s.dbRole ?? []),
    redisUrl: data.redisUrl,
    redisPrefixes: SERVICES.flatMap((s) => s.redisPrefix ?? []),
    root: data.root,
    paths: [
      data.eventKeysDir,
      'var/dev-secrets',
      'var/ra-keys',
      'var/audit-trust.json',
      'var/dev-sms.jsonl',
      'var/dev-mail.jsonl',
      'var/letters',
    ],
  };
}

/** The target's paths as a reader of this checkout knows them (var/…, whichever way they were given). */
const shownPaths = (t: ResetTarget) => t.paths.map((p) => relative(t.root, resolve(t.root, p))).join(', ');

/** A SCAN pattern matching exactly the keys that start with `prefix`. */
const globPrefix = (prefix: string) => `${prefix.replace(/[*?[\]\\]/g, '\\$&')}*`;

/** Deletes what `t` names, saying what went; a server that cannot be reached stops it with an error. */
export async function resetData(t: ResetTarget, say: (line: string) => void): Promise<void> {
  const nc = await connect({ servers: t.natsUrl, name: 'make reset' });
  try {
    const jsm = await jetstreamManager(nc);
    // Collected first: deleting while paging through the list could skip a stream.
    const names: string[] = [];
    for await (const s of jsm.streams.list())
      if (s.config.name.startsWith(t.streamPrefix)) names.push(s.config.name);
    for (const name of names) await jsm.streams.delete(name);
    say(`NATS ${t.natsUrl}: deleted ${names.length} stream(s)${names.length ? `: ${names.join(', ')}` : ''}`);
  } finally {
    await nc.close();
  }

  for (const role of t.roles) {
    // As the role itself: a role may drop what it owns, and owns nothing else of ours.
    const client = new pg.Client({ ...t.pg, user: role });
    await client.connect();
    try {
      const { rows } = await client.query<{ name: string }>(
        'SELECT nspname AS name FROM pg_namespace WHERE nspowner = (SELECT oid FROM pg_roles WHERE rolname = current_user)',
      );
      for (const { name } of rows) await client.query(`DROP SCHEMA ${client.escapeIdentifier(name)} CASCADE`);
      say(
        `PostgreSQL ${t.pg.host}:${t.pg.port}/${t.pg.database}: ${role} dropped ` +
          (rows.length ? `schema ${rows.map((r) => r.name).join(', ')}` : 'nothing (it owns no schema)'),
      );
    } finally {
      await client.end();
    }
  }

  const redis = new Redis(t.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await redis.connect();
  try {
    for (const prefix of t.redisPrefixes) {
      let deleted = 0;
      for await (const keys of redis.scanStream({ match: globPrefix(prefix), count: 500 }) as AsyncIterable<
        string[]
      >)
        if (keys.length > 0) deleted += await redis.unlink(...keys);
      say(`Redis ${t.redisUrl}: deleted ${deleted} key(s) ${prefix}*`);
    }
  } finally {
    redis.disconnect();
  }

  for (const p of t.paths) rmSync(resolve(t.root, p), { recursive: true, force: true });
  say(`removed ${shownPaths(t)}`);
}

async function confirmed(question: string): Promise<boolean> {
  if (process.env.RESET === 'yes') return true;
  if (!process.stdin.isTTY) return false;
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  try {
    return (await rl.question(question)).trim() === 'reset';
  } finally {
    rl.close();
  }
}

async function main(): Promise<number> {
  const out = (line: string) => process.stdout.write(`${line}\n`);
  const state = readState(REPO_ROOT);
  const alive = state ? stillRunning(state) : [];
  if (alive.length > 0) {
    process.stderr.write(`A mesh is running: ${alive.join(', ')}. Stop it first with: make down\n`);
    return 1;
  }
  const t = developmentTarget();
  out('This deletes the development data of make up on this machine, and this checkout’s keys for it:');
  out(`  NATS ${t.natsUrl}: the streams ${t.streamPrefix}*`);
  out(
    `  PostgreSQL ${t.pg.host}:${t.pg.port}, database ${t.pg.database}: the schemas of ${t.roles.join(', ')}`,
  );
  out(`  Redis ${t.redisUrl}: the keys ${t.redisPrefixes.map((p) => `${p}*`).join(', ')}`);
  out(`  files: ${shownPaths(t)}`);
  if (!(await confirmed('Type reset to delete them: '))) {
    process.stderr.write('Nothing deleted. On a terminal type reset; elsewhere run with RESET=yes.\n');
    return 1;
  }
  await resetData(t, out);
  out('Done. The next make up creates the schemas, streams and keys again.');
  return 0;
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(REPO_ROOT, 'infra/dev/reset.ts')) {
  main().then(
    (code) => process.exit(code),
    (err: unknown) => {
      process.stderr.write(`make reset: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(1);
    },
  );
}
