import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isPortOpen } from './infrastructure.js';
import { waitFor } from './wait.js';

/**
 * A server process a test owns and may stop and start again, on its own port and data directory,
 * so resilience tests never disturb the machine's shared NATS or PostgreSQL.
 */
export interface PrivateServer {
  url: string;
  port: number;
  start(): Promise<void>;
  /** `fast` = orderly stop; `kill` = SIGKILL, as when a host dies. */
  stop(mode?: 'fast' | 'kill'): Promise<void>;
  /** Stops and removes the data directory. */
  destroy(): Promise<void>;
}

function which(cmd: string, candidates: string[]): string {
  for (const c of candidates) if (existsSync(c)) return c;
  const found = spawnSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' }).stdout.trim();
  if (found) return found;
  throw new Error(
    `${cmd} is not installed; run \`make infra\` (installs it with apt) or install it yourself`,
  );
}

const exited = (child: ChildProcess) =>
  child.exitCode !== null || child.signalCode !== null
    ? Promise.resolve()
    : new Promise<void>((r) => child.once('exit', () => r()));

/** A server that is one child process of ours, keeping its state in `dir` across stop/start. */
function childProcessServer(o: {
  what: string;
  url: string;
  port: number;
  dir: string;
  spawnArgs: () => [string, string[]];
}): PrivateServer {
  let child: ChildProcess | undefined;
  const server: PrivateServer = {
    url: o.url,
    port: o.port,
    async start() {
      if (await isPortOpen('127.0.0.1', o.port)) throw new Error(`port ${o.port} is already in use`);
      const [bin, args] = o.spawnArgs();
      child = spawn(bin, args, { stdio: 'ignore' });
      await waitFor(`${o.what} on ${o.port}`, () => isPortOpen('127.0.0.1', o.port), 10_000, 50);
    },
    async stop(mode = 'fast') {
      if (!child) return;
      const c = child;
      child = undefined;
      c.kill(mode === 'kill' ? 'SIGKILL' : 'SIGTERM');
      await exited(c);
    },
    async destroy() {
      await server.stop('kill');
      rmSync(o.dir, { recursive: true, force: true });
    },
  };
  return server;
}

/** A nats-server with JetStream on `port`; its store survives stop/start like a restarted server. */
export function privateNatsServer(port: number): PrivateServer {
  const bin = which('nats-server', [
    '/usr/sbin/nats-server',
    '/usr/bin/nats-server',
    '/usr/local/bin/nats-server',
  ]);
  const dir = mkdtempSync(join(tmpdir(), 'idp-nats-'));
  return childProcessServer({
    what: 'nats-server',
    url: `nats://127.0.0.1:${port}`,
    port,
    dir,
    spawnArgs: () => [bin, ['-a', '127.0.0.1', '-p', String(port), '-js', '-sd', dir]],
  });
}

/** A redis-server that keeps nothing on disk, on `port`. */
export function privateRedis(port: number): PrivateServer {
  const bin = which('redis-server', ['/usr/bin/redis-server', '/usr/local/bin/redis-server']);
  const dir = mkdtempSync(join(tmpdir(), 'idp-redis-'));
  return childProcessServer({
    what: 'redis-server',
    url: `redis://127.0.0.1:${port}`,
    port,
    dir,
    spawnArgs: () => [
      bin,
      ['--bind', '127.0.0.1', '--port', String(port), '--save', '', '--appendonly', 'no', '--dir', dir],
    ],
  });
}

function postgresBin(name: string): string {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root) ? readdirSync(root).sort((a, b) => Number(b) - Number(a)) : [];
  return which(
    name,
    versions.map((v) => join(root, v, 'bin', name)),
  );
}

/**
 * A PostgreSQL cluster of the test's own (initdb into a temp dir, trust auth, listening on
 * 127.0.0.1:`port`). As root, the server runs as the `postgres` user, which PostgreSQL requires.
 */
export function privatePostgres(port: number): PrivateServer {
  const dataDir = mkdtempSync(join(tmpdir(), 'idp-pg-'));
  const asRoot = process.getuid?.() === 0;
  if (asRoot) {
    chmodSync(dataDir, 0o777);
    spawnSync('chown', ['postgres:postgres', dataDir]);
  }
  const run = (bin: string, args: string[]) => {
    const [cmd, argv] = asRoot ? ['runuser', ['-u', 'postgres', '--', bin, ...args]] : [bin, args];
    const r = spawnSync(cmd, argv, { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`${bin} ${args.join(' ')} failed: ${r.stderr || r.stdout}`);
  };
  let initialised = false;
  const server: PrivateServer = {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    async start() {
      if (!initialised) {
        run(postgresBin('initdb'), [
          '-D',
          dataDir,
          '-U',
          'postgres',
          '--auth=trust',
          '-E',
          'UTF8',
          '--no-sync',
        ]);
        initialised = true;
      }
      const opts = `-p ${port} -c listen_addresses=127.0.0.1 -c unix_socket_directories=${dataDir} -c fsync=off`;
      run(postgresBin('pg_ctl'), [
        '-D',
        dataDir,
        '-o',
        opts,
        '-l',
        join(dataDir, 'server.log'),
        '-w',
        'start',
      ]);
      await waitFor(`postgres on ${port}`, () => isPortOpen('127.0.0.1', port), 15_000, 50);
    },
    stop(mode = 'fast') {
      if (!existsSync(join(dataDir, 'postmaster.pid'))) return Promise.resolve();
      run(postgresBin('pg_ctl'), ['-D', dataDir, '-m', mode === 'kill' ? 'immediate' : 'fast', '-w', 'stop']);
      return Promise.resolve();
    },
    async destroy() {
      await server.stop('kill').catch(() => undefined);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return server;
}
