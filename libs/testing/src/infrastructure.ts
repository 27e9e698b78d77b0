import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { request } from 'node:http';
import { Socket } from 'node:net';

export type Dependency = 'nats' | 'redis' | 'postgres';

export interface Infrastructure {
  natsUrl: string;
  redisUrl: string;
  /** A database the tests may create schemas in (superuser or owner rights). */
  databaseUrl: string;
  /** Where each URL came from: `env`, `local` or `container`. */
  source: Record<Dependency, 'env' | 'local' | 'container'>;
}

const ENV: Record<Dependency, string> = { nats: 'NATS_URL', redis: 'REDIS_URL', postgres: 'DATABASE_URL' };
const LOCAL: Record<Dependency, { url: string; host: string; port: number }> = {
  nats: { url: 'nats://127.0.0.1:4222', host: '127.0.0.1', port: 4222 },
  redis: { url: 'redis://127.0.0.1:6379', host: '127.0.0.1', port: 6379 },
  postgres: { url: 'postgres://postgres@127.0.0.1:5432/test', host: '127.0.0.1', port: 5432 },
};

/** True when something accepts TCP connections on host:port within `timeoutMs`. */
export function isPortOpen(host: string, port: number, timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket();
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('error', () => done(false));
    socket.connect(port, host, () => done(true));
  });
}

/** A Docker engine answers on its socket (the `docker` client alone is not enough). */
export function dockerEngineAnswers(socketPath = '/var/run/docker.sock'): Promise<boolean> {
  if (!process.env.DOCKER_HOST && !existsSync(socketPath)) return Promise.resolve(false);
  return new Promise((resolve) => {
    const req = request({ socketPath, path: '/_ping', timeout: 1000 }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('error', () => resolve(false));
    req.on('timeout', () => {
      req.destroy();
      resolve(false);
    });
    req.end();
  });
}

type Stoppable = { stop(): Promise<unknown> };
const containers: Stoppable[] = [];

async function startContainer(dep: Dependency): Promise<string> {
  // Loaded only on this path: most runs never need a container runtime.
  const { GenericContainer, Wait } = await import('testcontainers');
  if (dep === 'nats') {
    const c = await new GenericContainer('nats:2.10').withCommand(['-js']).withExposedPorts(4222).start();
    containers.push(c);
    return `nats://${c.getHost()}:${c.getMappedPort(4222)}`;
  }
  if (dep === 'redis') {
    const c = await new GenericContainer('redis:7').withExposedPorts(6379).start();
    containers.push(c);
    return `redis://${c.getHost()}:${c.getMappedPort(6379)}`;
  }
  const c = await new GenericContainer('postgres:15')
    .withEnvironment({ POSTGRES_HOST_AUTH_METHOD: 'trust', POSTGRES_DB: 'test' })
    .withExposedPorts(5432)
    .withWaitStrategy(Wait.forLogMessage(/database system is ready to accept connections/, 2))
    .start();
  containers.push(c);
  return `postgres://postgres@${c.getHost()}:${c.getMappedPort(5432)}/test`;
}

const HOW_TO_START =
  'Start the local services with `make infra` (runs infra/ensure-infra.sh: starts NATS with JetStream, ' +
  'Redis and PostgreSQL, installing them with apt when missing), or `docker compose -f infra/compose.yaml up -d`, ' +
  'or point the tests at running servers with NATS_URL, REDIS_URL and DATABASE_URL.';

let found: Promise<Infrastructure> | undefined;

/**
 * Finds the servers integration tests talk to, in this order: URLs from the environment → the
 * local default ports → containers when a Docker engine answers → an error saying how to start them.
 * The answer is cached for the test process.
 */
export function findInfrastructure(): Promise<Infrastructure> {
  found ??= (async () => {
    const urls: Partial<Record<Dependency, string>> = {};
    const source: Partial<Infrastructure['source']> = {};
    const missing: Dependency[] = [];
    for (const dep of ['nats', 'redis', 'postgres'] as const) {
      const fromEnv = process.env[ENV[dep]];
      if (fromEnv) {
        urls[dep] = fromEnv;
        source[dep] = 'env';
      } else if (await isPortOpen(LOCAL[dep].host, LOCAL[dep].port)) {
        urls[dep] = LOCAL[dep].url;
        source[dep] = 'local';
      } else {
        missing.push(dep);
      }
    }
    if (missing.length > 0) {
      if (!(await dockerEngineAnswers())) {
        throw new Error(
          `not reachable: ${missing.map((d) => `${d} (${LOCAL[d].url})`).join(', ')}. ${HOW_TO_START}`,
        );
      }
      for (const dep of missing) {
        urls[dep] = await startContainer(dep);
        source[dep] = 'container';
      }
    }
    return {
      natsUrl: urls.nats!,
      redisUrl: urls.redis!,
      databaseUrl: urls.postgres!,
      source: source as Infrastructure['source'],
    };
  })();
  return found;
}

/** Stops containers this process started (no-op when none). */
export async function stopContainers(): Promise<void> {
  await Promise.allSettled(containers.splice(0).map((c) => c.stop()));
}

/** A name no other test run uses: `<prefix><12 hex>`. Streams, schemas, subjects and key prefixes use it. */
export const uniqueName = (prefix: string): string => `${prefix}${randomBytes(6).toString('hex')}`;
