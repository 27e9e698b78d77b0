import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from '@nats-io/transport-node';
import type { NatsConnection } from '@nats-io/nats-core';
import pgClient from 'pg';
import { Redis } from '@idp/redis';
import { privateNatsServer, privatePostgres, privateRedis, type PrivateServer } from '@idp/testing';
import { REPO_ROOT, startMesh, type Mesh, type MeshOptions } from '../../../infra/dev/mesh.js';

export interface Stack {
  base: number;
  nats: PrivateServer;
  pg: PrivateServer;
  redis: PrivateServer;
  mesh: Mesh;
  nc: NatsConnection;
  /** A scratch directory for this run (SP registry, SMS sink, keys). */
  dir: string;
  gatewayUrl: string;
  /** One SQL statement as the PostgreSQL superuser on the mesh's database `idp` (every service's schema). */
  query<R extends object = Record<string, unknown>>(text: string, values?: unknown[]): Promise<R[]>;
  /**
   * Moves the login of the gateway's SSO session `sessionId` `ms` into the past, as if that much time
   * had gone by since the citizen logged in (the session itself stays valid).
   */
  ageLogin(sessionId: string, ms: number): Promise<void>;
  close(): Promise<void>;
}

/**
 * The whole mesh on servers of the test's own (nats-server, PostgreSQL cluster, Redis on spare
 * ports), so a suite can stop and restart them and never touches a developer's data.
 */
export async function startStack(
  o: Pick<MeshOptions, 'replicas' | 'serviceEnv' | 'env' | 'command'> = {},
): Promise<Stack> {
  const base = 20_000 + 100 * Math.floor(Math.random() * 90);
  const dir = mkdtempSync(join(tmpdir(), 'idp-e2e-'));
  const nats = privateNatsServer(base + 80);
  const pg = privatePostgres(base + 81);
  const redis = privateRedis(base + 82);
  const cleanUp = async () => {
    await Promise.allSettled([nats.destroy(), pg.destroy(), redis.destroy()]);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    return await startOn({ o, base, dir, nats, pg, redis, cleanUp });
  } catch (err) {
    // A mesh that failed to come up must not leave its servers running.
    await cleanUp();
    throw err;
  }
}

async function startOn(x: {
  o: Pick<MeshOptions, 'replicas' | 'serviceEnv' | 'env' | 'command'>;
  base: number;
  dir: string;
  nats: PrivateServer;
  pg: PrivateServer;
  redis: PrivateServer;
  cleanUp: () => Promise<void>;
}): Promise<Stack> {
  const { o, base, dir, nats, pg, redis } = x;
  await Promise.all([nats.start(), pg.start(), redis.start()]);
  const boot = spawnSync(
    'psql',
    [
      '-X',
      '-q',
      '-h',
      '127.0.0.1',
      '-p',
      String(pg.port),
      '-U',
      'postgres',
      '-d',
      'postgres',
      '-f',
      join(REPO_ROOT, 'infra/postgres/bootstrap.sql'),
    ],
    { encoding: 'utf8' },
  );
  if (boot.status !== 0) throw new Error(`bootstrap.sql failed: ${boot.stderr}`);
  const mesh = await startMesh({
    ...o,
    // base + 80… are the servers and base + 90… the test SPs: the operator page takes a free slot.
    ports: { gateway: base, console: base + 10, operator: base + 83, adminBase: base + 20 },
    natsUrl: nats.url,
    redisUrl: redis.url,
    postgres: { host: '127.0.0.1', port: pg.port, database: 'idp' },
    logDir: join('var', 'log', 'e2e'),
    eventKeysDir: join(dir, 'event-keys'),
    logLevel: 'warn',
    quiet: true,
    env: {
      SHUTDOWN_TIMEOUT_MS: '10000',
      IDP_SIGNING_KEY_FILE: join(dir, 'idp-key.pem'),
      IDP_SIGNING_CERT_FILE: join(dir, 'idp-cert.pem'),
      SP_REGISTRY_DIR: join(dir, 'sp-registry'),
      SP_REGISTRY_POLL_MS: '200',
      SMS_DEV_SINK_FILE: join(dir, 'dev-sms.jsonl'),
      SEAL_INTERVAL_MS: '1000',
      OTP_DEV_SECRETS_FILE: join(dir, 'otp-dev-secrets.json'),
      OTP_DESTINATION_DEV_SECRETS_FILE: join(dir, 'otp-destination-dev-secrets.json'),
      MAIL_DEV_SINK_FILE: join(dir, 'dev-mail.jsonl'),
      MAIL_DEV_SECRETS_FILE: join(dir, 'mail-dev-secrets.json'),
      ...o.env,
    },
  });
  await mesh.waitReady(90_000);
  const nc = await connect({ servers: nats.url, maxReconnectAttempts: -1, reconnectTimeWait: 200 });
  const db = new pgClient.Pool({
    host: '127.0.0.1',
    port: pg.port,
    user: 'postgres',
    database: 'idp',
    max: 2,
  });
  // A suite that stops PostgreSQL (mesh.e2e) must not crash on the pool's idle connections.
  db.on('error', () => undefined);
  return {
    base,
    nats,
    pg,
    redis,
    mesh,
    nc,
    dir,
    gatewayUrl: `http://127.0.0.1:${base}`,
    async query<R extends object>(text: string, values: unknown[] = []) {
      return (await db.query<R>(text, values)).rows;
    },
    async ageLogin(sessionId, ms) {
      // The gateway's key layout (services/idp-gateway/src/session/store.ts, prefix `gw:`).
      const redisClient = new Redis(redis.url, { maxRetriesPerRequest: 1 });
      try {
        const key = `gw:sess:${sessionId}`;
        const raw = await redisClient.get(key);
        if (!raw) throw new Error(`no SSO session ${sessionId} in Redis`);
        const session = JSON.parse(raw) as { authnInstant: string };
        session.authnInstant = new Date(Date.parse(session.authnInstant) - ms).toISOString();
        await redisClient.set(key, JSON.stringify(session), 'KEEPTTL', 'XX');
      } finally {
        redisClient.disconnect();
      }
    },
    async close() {
      await nc.close().catch(() => undefined);
      await db.end().catch(() => undefined);
      await mesh.stop();
      await x.cleanUp();
    },
  };
}
