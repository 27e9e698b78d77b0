/**
 * The local mesh: every service as separate processes on this machine, wired to the local NATS,
 * Redis and PostgreSQL, as `make up` runs them. The end-to-end tests use the same code with their
 * own ports, so what a developer runs and what the tests drive are started the same way.
 *
 *   const mesh = await startMesh({ ports: { adminBase: 19100, gateway: 18080, console: 18090, operator: 18095 }, quiet: true });
 *   await mesh.waitReady();
 *   ...
 *   await mesh.stop();
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, type WriteStream } from 'node:fs';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { formatBody, formatLine, prefix, serviceColor, type PrettyOptions } from './log-format.js';
import { signal as signalGroup } from './state.js';

export const REPO_ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));

export type ServiceName =
  'idp-gateway' | 'accounts' | 'otp-sender' | 'activation' | 'registration-authority' | 'notary';
/** What an instance of the mesh runs: a service, or the demo e-service `make up` adds (opt-in). */
export type InstanceName = ServiceName | 'demo-sp';

export interface ServiceSpec {
  name: ServiceName;
  /** Prefix of its `<PREFIX>_REPLICAS` and `<PREFIX>_COMMAND` variables. */
  envPrefix: string;
  /** Serves HTTP to people: the public gateway, the officer console, or the notary's operator page. */
  http?: 'gateway' | 'console' | 'operator';
  /** Uses Redis, under this key prefix (as its main.ts sets it; `make reset` deletes these keys). */
  redisPrefix?: string;
  /** Its PostgreSQL login role, which owns its schema. */
  dbRole?: string;
}

/** In admin-port order: service k (from 0) gets admin ports base + 10k, base + 10k + 1, … */
export const SERVICES: readonly ServiceSpec[] = [
  { name: 'idp-gateway', envPrefix: 'GATEWAY', http: 'gateway', redisPrefix: 'gw:' },
  { name: 'accounts', envPrefix: 'ACCOUNTS', dbRole: 'idp_accounts' },
  { name: 'otp-sender', envPrefix: 'OTP_SENDER', redisPrefix: 'otp:' },
  { name: 'activation', envPrefix: 'ACTIVATION', dbRole: 'idp_activation' },
  { name: 'registration-authority', envPrefix: 'RA', http: 'console', dbRole: 'idp_ra' },
  { name: 'notary', envPrefix: 'NOTARY', http: 'operator' },
];

export interface MeshPorts {
  /** Public gateway HTTP; replica i listens on gateway + i - 1. */
  gateway: number;
  /** Officer console (registration-authority HTTP); replica i on console + i - 1. */
  console: number;
  /** The notary's operator page (live statistics); replica i on operator + i - 1. */
  operator: number;
  /** Admin ports (/healthz, /readyz, /metrics): service k, replica i on adminBase + 10k + i - 1. */
  adminBase: number;
}

export const DEFAULT_PORTS: Readonly<MeshPorts> = {
  gateway: 8080,
  console: 8090,
  operator: 8095,
  adminBase: 9100,
};
/** The demo SP's port when the mesh runs it (DEMO_SP_PORT). */
export const DEFAULT_DEMO_SP_PORT = 8081;
/** The gateway's SP_REGISTRY_DIR default (relative to the repository root, the services' cwd). */
export const DEFAULT_SP_REGISTRY_DIR = 'var/sp-registry';

/**
 * The demo SP (test/sp/main.ts, a node-saml e-service) as one more process of the mesh. It waits
 * for the gateway's metadata, registers itself into the gateway's SP registry directory, and
 * answers /readyz on its own port, which stands in for an admin port.
 */
export interface DemoSpMeshOptions {
  /** Default 8081. It listens on 127.0.0.1; its public address is http://localhost:<port>. */
  port?: number;
  /** Default: the gateway's SP_REGISTRY_DIR as the mesh sets it, else var/sp-registry. */
  registryDir?: string;
  /** Default: node --conditions=source --import tsx test/sp/main.ts. */
  command?: readonly string[];
}
/**
 * The activation service's development settings (relative to the repository root). A development CA
 * is optional: without var/dev-ca/ca.pem every client certificate is refused as untrusted, and the
 * certificate path says so; put a CA (and a CRL) there to try it. Secrets are generated on first run.
 */
export const ACTIVATION_DEV_ENV: Readonly<Record<string, string>> = {
  ACTIVATION_TRUSTED_CA_FILES: 'var/dev-ca/ca.pem',
  ACTIVATION_CRL_FILES: 'var/dev-ca/crl.pem',
  ACTIVATION_DEV_SECRETS_FILE: 'var/dev-secrets/activation.json',
  LETTERS_DIR: 'var/letters',
};

/**
 * Ten admin ports per service, and ten HTTP ports between the gateway's and the console's. The
 * operator page's 8095 sits inside the console's ten: more than five officer consoles need
 * OPERATOR_PORT moved (planMesh names the clash).
 */
export const MAX_REPLICAS = 10;
export const DEFAULT_READY_TIMEOUT_MS = 90_000;
/** Above the services' own shutdown deadline (SHUTDOWN_TIMEOUT_MS, 10 s by default). */
const DEFAULT_STOP_TIMEOUT_MS = 12_000;
const TAIL_LINES = 200;

export interface MeshOptions {
  /** Repository root: the services' working directory. Default: this checkout. */
  root?: string;
  /** Instances per service; default 1 each, 0 leaves a service out (to run it by hand, say). */
  replicas?: Partial<Record<ServiceName, number>>;
  ports?: Partial<MeshPorts>;
  /** Default: $NATS_URL, else nats://127.0.0.1:4222. */
  natsUrl?: string;
  /** Default: $REDIS_URL, else redis://127.0.0.1:6379. */
  redisUrl?: string;
  /** Where the services' roles connect. Default: $PGHOST/$PGPORT, else 127.0.0.1:5432, database idp. */
  postgres?: { host?: string; port?: number; database?: string };
  /** Default: $LOG_LEVEL, else info. */
  logLevel?: string;
  /**
   * Where each service's event signing key lives (`<service>.key.pem`, public half
   * `<service>.pub.pem`; generated on first run in development). Default: <root>/var/event-keys.
   */
  eventKeysDir?: string;
  /** Extra variables for every instance; `undefined` removes an inherited one. */
  env?: Record<string, string | undefined>;
  /** Extra variables for one service's instances; applied after `env`. */
  serviceEnv?: Partial<Record<ServiceName, Record<string, string | undefined>>>;
  /**
   * The argv that starts a service, run from `root`. Default: node services/<name>/dist/main.js.
   * It should exec the service (or pass signals on): stop() sends SIGTERM to its process group.
   */
  command?: Partial<Record<ServiceName, readonly string[]>>;
  /** Default true: instances inherit this process's environment. */
  inheritEnv?: boolean;
  /**
   * Each instance in its own process group (default false). `make up` wants that: a Ctrl-C in
   * the terminal reaches only the launcher, which then stops every instance once, in order. A test
   * run wants the default: a Ctrl-C that kills the test runner reaches the instances too, instead
   * of leaving them running with their ports taken.
   */
  detached?: boolean;
  /** Where `<name>-<i>.log` files go. Default: <root>/var/log. */
  logDir?: string;
  /** No terminal output at all; the log files are still written. */
  quiet?: boolean;
  /** Where the short human lines go. Default: process.stdout. */
  output?: NodeJS.WritableStream & { isTTY?: boolean };
  /** Default: on when `output` is a terminal and NO_COLOR is unset. */
  color?: boolean;
  readyTimeoutMs?: number;
  stopTimeoutMs?: number;
  /** Called when an instance exits that nobody asked to stop; the others keep running. */
  onUnexpectedExit?: (instance: MeshInstance, exit: InstanceExit) => void;
  /** Also run the demo SP (off by default; `make up` turns it on). */
  demoSp?: boolean | DemoSpMeshOptions;
}

/** Raised for anything that keeps the mesh from starting or becoming ready; `message` says what to do. */
export class MeshError extends Error {
  override name = 'MeshError';
}

// --- The plan: which instances, on which ports, with which environment ---------------------

export interface InstancePlan {
  name: InstanceName;
  index: number;
  /** `<name>-<index>`: its INSTANCE_ID and log file name. */
  id: string;
  /** `<name>#<index>`: how the terminal and reports name it. */
  label: string;
  serviceIndex: number;
  adminPort: number;
  adminUrl: string;
  httpPort?: number;
  httpUrl?: string;
  /** Only what the mesh sets; the inherited environment comes on top at spawn time. */
  env: Record<string, string | undefined>;
  command: string[];
  /** Whether `command` is the default one (the service's built dist/main.js). */
  builtCommand: boolean;
  logFile: string;
}

/** Host and port of a DATABASE_ADMIN_URL or PGHOST/PGPORT, as ensure-infra.sh reads them. */
function postgresFromEnv(env: NodeJS.ProcessEnv): { host: string; port: number } {
  if (env.DATABASE_ADMIN_URL) {
    try {
      const u = new URL(env.DATABASE_ADMIN_URL);
      return { host: u.hostname.replace(/^\[|\]$/g, '') || '127.0.0.1', port: Number(u.port || 5432) };
    } catch {
      // Not a URL (a libpq key=value string): fall through to PGHOST/PGPORT.
    }
  }
  // A PGHOST naming a socket directory is for psql on this machine; services connect over TCP.
  const host = env.PGHOST && !env.PGHOST.startsWith('/') ? env.PGHOST : '127.0.0.1';
  return { host, port: Number(env.PGPORT || 5432) };
}

const hostForUrl = (host: string) => (host.includes(':') ? `[${host}]` : host);

/** Where the mesh's services keep their data and their event keys (`make reset` clears them). */
export function meshData(o: MeshOptions = {}) {
  const root = resolve(o.root ?? REPO_ROOT);
  const pgDefaults = postgresFromEnv(process.env);
  return {
    root,
    eventKeysDir: resolve(root, o.eventKeysDir ?? join('var', 'event-keys')),
    pg: {
      host: o.postgres?.host ?? pgDefaults.host,
      port: o.postgres?.port ?? pgDefaults.port,
      database: o.postgres?.database ?? 'idp',
    },
    natsUrl: o.natsUrl ?? (process.env.NATS_URL || 'nats://127.0.0.1:4222'),
    redisUrl: o.redisUrl ?? (process.env.REDIS_URL || 'redis://127.0.0.1:6379'),
  };
}

/** Works out every instance of the mesh without starting anything; `make status` uses it too. */
export function planMesh(o: MeshOptions = {}): InstancePlan[] {
  const { root, eventKeysDir, pg, natsUrl, redisUrl } = meshData(o);
  const ports: MeshPorts = { ...DEFAULT_PORTS, ...o.ports };
  const logDir = resolve(root, o.logDir ?? join('var', 'log'));
  const logLevel = o.logLevel ?? (process.env.LOG_LEVEL || 'info');
  const publicUrl = process.env.PUBLIC_URL || `http://localhost:${ports.gateway}`;

  const problems: string[] = [];
  const plans: InstancePlan[] = [];
  SERVICES.forEach((spec, k) => {
    const count = o.replicas?.[spec.name] ?? 1;
    if (!Number.isInteger(count) || count < 0 || count > MAX_REPLICAS) {
      problems.push(`${spec.name}: replicas must be a whole number from 0 to ${MAX_REPLICAS} (got ${count})`);
      return;
    }
    for (let index = 1; index <= count; index++) {
      const id = `${spec.name}-${index}`;
      const adminPort = ports.adminBase + 10 * k + index - 1;
      const httpPort =
        spec.http === 'gateway'
          ? ports.gateway + index - 1
          : spec.http === 'console'
            ? ports.console + index - 1
            : spec.http === 'operator'
              ? ports.operator + index - 1
              : undefined;
      const override = o.command?.[spec.name];
      const env: Record<string, string | undefined> = {
        IDP_ENV: 'development',
        NATS_URL: natsUrl,
        LOG_LEVEL: logLevel,
        ADMIN_HOST: '127.0.0.1',
        ADMIN_PORT: String(adminPort),
        INSTANCE_ID: id,
        // One key per service, shared by its replicas: the trust file names services, not instances.
        EVENT_SIGNING_KEY_FILE: join(eventKeysDir, `${spec.name}.key.pem`),
        ...(spec.redisPrefix !== undefined ? { REDIS_URL: redisUrl } : {}),
        // The notary's main traffic is NATS; its page is a side door, hence a name of its own.
        ...(httpPort !== undefined
          ? spec.http === 'operator'
            ? { OPERATOR_HOST: '127.0.0.1', OPERATOR_PORT: String(httpPort) }
            : { HTTP_HOST: '127.0.0.1', HTTP_PORT: String(httpPort) }
          : {}),
        // The IdP has one public identity (its SAML entity and endpoints), whichever replica answers:
        // the first replica's address, following GATEWAY_PORT.
        ...(spec.http === 'gateway' ? { PUBLIC_URL: publicUrl } : {}),
        // Links in mails (e-mail confirmation, password reset) lead to the gateway's public address.
        ...(spec.name === 'activation' ? { MAIL_PUBLIC_BASE_URL: publicUrl } : {}),
        ...(spec.name === 'activation' ? ACTIVATION_DEV_ENV : {}),
        ...(spec.dbRole
          ? { DATABASE_URL: `postgres://${spec.dbRole}@${hostForUrl(pg.host)}:${pg.port}/${pg.database}` }
          : {}),
        ...o.env,
        ...o.serviceEnv?.[spec.name],
      };
      plans.push({
        name: spec.name,
        index,
        id,
        label: `${spec.name}#${index}`,
        serviceIndex: k,
        adminPort,
        adminUrl: `http://127.0.0.1:${adminPort}`,
        ...(httpPort !== undefined ? { httpPort, httpUrl: `http://127.0.0.1:${httpPort}` } : {}),
        env,
        // Source maps: the services are compiled TypeScript, and a stack trace should name .ts lines.
        command: override ? [...override] : [process.execPath, '--enable-source-maps', builtMain(spec.name)],
        builtCommand: !override,
        logFile: join(logDir, `${id}.log`),
      });
    }
  });

  if (o.demoSp) plans.push(planDemoSp(o, plans, publicUrl, logDir, logLevel));

  const owners = new Map<number, string>();
  for (const p of plans) {
    for (const [port, what] of [
      [p.adminPort, `${p.label} admin`],
      [p.httpPort, `${p.label} http`],
    ] as const) {
      if (port === undefined) continue;
      if (!Number.isInteger(port) || port < 1 || port > 65535)
        problems.push(`${what}: port ${port} is not valid`);
      const owner = owners.get(port);
      if (owner) problems.push(`${what} and ${owner} would both use port ${port}`);
      owners.set(port, what);
    }
  }
  if (problems.length > 0) throw new MeshError(`the mesh cannot be laid out:\n${bullets(problems)}`);
  return plans;
}

const builtMain = (name: ServiceName) => `services/${name}/dist/main.js`;

function planDemoSp(
  o: MeshOptions,
  services: readonly InstancePlan[],
  publicUrl: string,
  logDir: string,
  logLevel: string,
): InstancePlan {
  const d: DemoSpMeshOptions = typeof o.demoSp === 'object' ? o.demoSp : {};
  const port = d.port ?? DEFAULT_DEMO_SP_PORT;
  // Where the gateway reads its registry: the SP must register exactly there.
  const gatewayEnv = services.find((p) => p.name === 'idp-gateway')?.env;
  const registryDir =
    d.registryDir ??
    gatewayEnv?.SP_REGISTRY_DIR ??
    o.serviceEnv?.['idp-gateway']?.SP_REGISTRY_DIR ??
    o.env?.SP_REGISTRY_DIR ??
    (process.env.SP_REGISTRY_DIR || DEFAULT_SP_REGISTRY_DIR);
  return {
    name: 'demo-sp',
    index: 1,
    id: 'demo-sp-1',
    label: 'demo-sp#1',
    serviceIndex: SERVICES.length,
    adminPort: port,
    adminUrl: `http://127.0.0.1:${port}`,
    env: {
      LOG_LEVEL: logLevel,
      ...o.env,
      DEMO_SP_PORT: String(port),
      DEMO_SP_HOST: '127.0.0.1',
      // localhost, not 127.0.0.1: browsers treat http://localhost as a secure context, so the
      // gateway's Secure cookies work on the way through, as they do on the gateway's own URL.
      DEMO_SP_BASE_URL: `http://localhost:${port}`,
      IDP_METADATA_URL: `${publicUrl.replace(/\/$/, '')}/saml/metadata`,
      SP_REGISTRY_DIR: registryDir,
    },
    command: d.command
      ? [...d.command]
      : [process.execPath, '--conditions=source', '--import', 'tsx', 'test/sp/main.ts'],
    builtCommand: false,
    logFile: join(logDir, 'demo-sp-1.log'),
  };
}
const bullets = (lines: readonly string[]) => lines.map((l) => `  - ${l}`).join('\n');

/** MeshOptions from the environment `make up` passes: *_REPLICAS, ports, *_COMMAND, timeout. */
export function meshOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): MeshOptions {
  const problems: string[] = [];
  // Empty counts as unset: `make up` exports its variables even when nobody set them.
  const whole = (key: string, min: number, max: number): number | undefined => {
    const raw = env[key]?.trim();
    if (!raw) return undefined;
    const n = Number(raw);
    if (!/^\d+$/.test(raw) || n < min || n > max) {
      problems.push(`${key} must be a whole number from ${min} to ${max} (got ${JSON.stringify(raw)})`);
      return undefined;
    }
    return n;
  };
  const replicas: Partial<Record<ServiceName, number>> = {};
  const command: Partial<Record<ServiceName, string[]>> = {};
  for (const spec of SERVICES) {
    const n = whole(`${spec.envPrefix}_REPLICAS`, 0, MAX_REPLICAS);
    if (n !== undefined) replicas[spec.name] = n;
    // Split on spaces, no quoting: enough for `node --import tsx services/accounts/src/main.ts`.
    const argv = env[`${spec.envPrefix}_COMMAND`]?.trim().split(/\s+/).filter(Boolean);
    if (argv && argv.length > 0) command[spec.name] = argv;
  }
  const ports: Partial<MeshPorts> = {};
  const gateway = whole('GATEWAY_PORT', 1, 65535);
  const consolePort = whole('CONSOLE_PORT', 1, 65535);
  const operatorPort = whole('OPERATOR_PORT', 1, 65535);
  const adminBase = whole('ADMIN_PORT_BASE', 1, 65535);
  if (gateway !== undefined) ports.gateway = gateway;
  if (consolePort !== undefined) ports.console = consolePort;
  if (operatorPort !== undefined) ports.operator = operatorPort;
  if (adminBase !== undefined) ports.adminBase = adminBase;
  const readySeconds = whole('MESH_READY_TIMEOUT_SECONDS', 1, 3600);
  // 0 leaves the demo SP out; `make up` runs it otherwise (startMesh alone does not).
  const demoSpPort = whole('DEMO_SP_PORT', 0, 65535);
  if (problems.length > 0) throw new MeshError(`invalid settings:\n${bullets(problems)}`);
  return {
    replicas,
    ports,
    command,
    demoSp: demoSpPort === 0 ? false : { ...(demoSpPort !== undefined ? { port: demoSpPort } : {}) },
    ...(readySeconds !== undefined ? { readyTimeoutMs: readySeconds * 1000 } : {}),
  };
}

// --- Readiness probe -------------------------------------------------------------------------

/** What an admin server's /readyz answers: {status, service, instance, version, checks}. */
export interface ReadyBody {
  status?: string;
  service?: string;
  instance?: string;
  version?: string;
  checks?: Record<string, string>;
}

export type Readiness =
  | { state: 'ready'; body: ReadyBody }
  | { state: 'not-ready'; detail: string; body?: ReadyBody }
  | { state: 'unreachable'; detail: string };

/**
 * GETs `<adminUrl>/readyz`. node:http without an agent rather than fetch: no pooled keep-alive
 * sockets linger to hold `make status` open, and every probe is a fresh connection.
 */
export function probeReadiness(adminUrl: string, timeoutMs = 1500): Promise<Readiness> {
  return new Promise((resolvePromise) => {
    let settled = false;
    const done = (r: Readiness) => {
      if (!settled) {
        settled = true;
        resolvePromise(r);
      }
    };
    const req = request(`${adminUrl}/readyz`, { agent: false, timeout: timeoutMs }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('error', (err) => done({ state: 'unreachable', detail: err.message }));
      res.on('end', () => {
        let body: ReadyBody | undefined;
        try {
          body = JSON.parse(text) as ReadyBody;
        } catch {
          body = undefined;
        }
        if (res.statusCode === 200) return done({ state: 'ready', body: body ?? {} });
        done({
          state: 'not-ready',
          detail: describeNotReady(res.statusCode ?? 0, body),
          ...(body ? { body } : {}),
        });
      });
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', (err: NodeJS.ErrnoException) =>
      done({ state: 'unreachable', detail: err.code ?? err.message }),
    );
    req.end();
  });
}

function describeNotReady(status: number, body: ReadyBody | undefined): string {
  if (body?.status === 'shutting_down') return 'shutting down';
  const failing = Object.entries(body?.checks ?? {}).filter(([, state]) => state !== 'ok');
  if (failing.length > 0) return failing.map(([name, state]) => `${name}: ${state}`).join(', ');
  return `HTTP ${status}${body?.status ? ` (${body.status})` : ''}`;
}

// --- Running instances -----------------------------------------------------------------------

export interface InstanceExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Asked for by stop(), kill() or restart(). */
  expected: boolean;
  /** It had answered /readyz with 200 before it exited. */
  wasReady: boolean;
  uptimeMs: number;
}

export interface MeshInstance {
  readonly name: InstanceName;
  readonly index: number;
  readonly id: string;
  readonly label: string;
  /** Of the current process; a restart changes it. Undefined if it could not be spawned. */
  readonly pid: number | undefined;
  readonly adminPort: number;
  readonly adminUrl: string;
  readonly httpPort?: number;
  readonly httpUrl?: string;
  readonly logFile: string;
  readonly command: readonly string[];
  readonly running: boolean;
  readonly ready: boolean;
  /** How the last process ended, if it has. */
  readonly lastExit: InstanceExit | undefined;
  /** The last lines it wrote (stdout and stderr), oldest first. */
  lastLines(n?: number): string[];
}

export interface StopResult {
  label: string;
  pid: number | undefined;
  code: number | null;
  signal: NodeJS.Signals | null;
  ms: number;
  /** Still running when the stop timeout passed, and SIGKILLed. */
  forced: boolean;
  /** False when it had already exited before stop() was called. */
  wasRunning: boolean;
}

export interface Mesh {
  readonly instances: readonly MeshInstance[];
  readonly root: string;
  instance(name: InstanceName, index?: number): MeshInstance;
  /** Resolves when every running instance answers /readyz with 200; rejects with a MeshError naming what failed. */
  waitReady(timeoutMs?: number): Promise<void>;
  /** SIGTERM to every instance, SIGKILL to any still running after the stop timeout. Safe to call twice. */
  stop(): Promise<StopResult[]>;
  /** Signals one instance and resolves when it has exited (so not for SIGSTOP and the like). */
  kill(name: InstanceName, index: number, signal?: NodeJS.Signals): Promise<InstanceExit>;
  /** Stops the instance if it runs, starts it again, and waits until it is ready. */
  restart(name: InstanceName, index: number, opts?: { waitReady?: boolean }): Promise<void>;
  /** A line from the launcher itself on the terminal (nothing when quiet). */
  say(text: string): void;
}

interface MeshContext {
  root: string;
  quiet: boolean;
  color: boolean;
  output: NodeJS.WritableStream;
  labelWidth: number;
  inheritEnv: boolean;
  detached: boolean;
  isClosing(): boolean;
  onUnexpectedExit?: (instance: MeshInstance, exit: InstanceExit) => void;
}

class Instance implements MeshInstance {
  readonly name: InstanceName;
  readonly index: number;
  readonly id: string;
  readonly label: string;
  readonly adminPort: number;
  readonly adminUrl: string;
  readonly httpPort?: number;
  readonly httpUrl?: string;
  readonly logFile: string;
  readonly command: readonly string[];

  private child: ChildProcess | undefined;
  private exitedPromise: Promise<InstanceExit> = Promise.resolve(this.neverStarted());
  private exitInfo: InstanceExit | undefined;
  private isReady = false;
  private expectExit = false;
  private startedAt = 0;
  private readonly tail: string[] = [];
  private readonly log: WriteStream;
  private readonly pretty: PrettyOptions;
  /** The last thing /readyz said while waiting, for the report when it never gets ready. */
  lastProbe = 'not probed yet';

  constructor(
    private readonly plan: InstancePlan,
    private readonly ctx: MeshContext,
  ) {
    this.name = plan.name;
    this.index = plan.index;
    this.id = plan.id;
    this.label = plan.label;
    this.adminPort = plan.adminPort;
    this.adminUrl = plan.adminUrl;
    if (plan.httpPort !== undefined) this.httpPort = plan.httpPort;
    if (plan.httpUrl !== undefined) this.httpUrl = plan.httpUrl;
    this.logFile = plan.logFile;
    this.command = plan.command;
    this.log = createWriteStream(plan.logFile, { flags: 'a' });
    // A full disk must not take the launcher down; the terminal still shows the lines.
    this.log.on('error', (err) => this.say(`cannot write ${plan.logFile}: ${err.message}`));
    this.pretty = {
      label: plan.label.padEnd(ctx.labelWidth),
      labelColor: serviceColor(plan.serviceIndex),
      color: ctx.color,
    };
  }

  get pid() {
    return this.child?.pid;
  }
  get running() {
    return this.child !== undefined && this.exitInfo === undefined;
  }
  get ready() {
    return this.isReady && this.running;
  }
  get lastExit() {
    return this.exitInfo;
  }

  lastLines(n = 20): string[] {
    return this.tail.slice(-n);
  }

  say(text: string): void {
    if (!this.ctx.quiet) this.ctx.output.write(`${prefix(this.pretty)} ${text}\n`);
  }

  start(): void {
    const [file, ...args] = this.plan.command;
    if (!file) throw new MeshError(`${this.label}: empty command`);
    const base = this.ctx.inheritEnv ? process.env : {};
    const env: NodeJS.ProcessEnv = {};
    for (const [k, v] of Object.entries({ ...base, ...this.plan.env })) if (v !== undefined) env[k] = v;
    this.exitInfo = undefined;
    this.isReady = false;
    this.expectExit = false;
    this.lastProbe = 'not probed yet';
    this.startedAt = Date.now();
    const child = spawn(file, args, {
      cwd: this.ctx.root,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: this.ctx.detached,
    });
    this.child = child;
    let spawnError: Error | undefined;
    this.exitedPromise = new Promise((resolveExit) => {
      child.once('error', (err) => {
        spawnError = err;
      });
      // 'close' rather than 'exit': by then its last output lines have been read and logged.
      child.once('close', (code, sig) => {
        if (spawnError)
          this.record(`[mesh] could not start ${this.plan.command.join(' ')}: ${spawnError.message}`);
        const info: InstanceExit = {
          code: spawnError ? null : code,
          signal: sig,
          expected: this.expectExit || this.ctx.isClosing(),
          wasReady: this.isReady,
          uptimeMs: Date.now() - this.startedAt,
        };
        this.exitInfo = info;
        this.isReady = false;
        this.writeMeshRecord('exited', { code: info.code, signal: info.signal, expected: info.expected });
        if (!info.expected) this.reportUnexpectedExit(info);
        resolveExit(info);
      });
    });
    this.pipe(child.stdout);
    this.pipe(child.stderr);
    this.writeMeshRecord('started', { pid: child.pid ?? null, command: this.plan.command });
  }

  /** Polls /readyz until 200, until the process exits, or until `deadline`. */
  async waitReady(deadline: number, abort: AbortSignal): Promise<void> {
    const startedAt = this.startedAt;
    for (;;) {
      if (this.isReady && this.running) return;
      if (!this.running) throw new MeshError(this.describeEarlyExit());
      const r = await probeReadiness(this.adminUrl);
      if (!this.running) throw new MeshError(this.describeEarlyExit());
      if (r.state === 'ready') {
        this.isReady = true;
        this.say(
          paintDim(`ready in ${seconds(Date.now() - startedAt)} (${this.adminUrl}/readyz)`, this.ctx.color),
        );
        return;
      }
      this.lastProbe =
        r.state === 'unreachable' ? `admin port does not answer (${r.detail})` : `not ready: ${r.detail}`;
      if (Date.now() >= deadline)
        throw new MeshError(`${this.label} was not ready in time: ${this.lastProbe}`);
      // Wake early if it exits: an instance that crashes should fail the wait at once.
      await Promise.race([sleep(250, undefined, { signal: abort }), this.exitedPromise]);
    }
  }

  /** SIGTERM, then SIGKILL after `timeoutMs`; resolves with how it ended. */
  async terminate(timeoutMs: number): Promise<StopResult> {
    const pid = this.pid;
    if (!this.running || pid === undefined) {
      const last = this.exitInfo;
      return {
        label: this.label,
        pid,
        code: last?.code ?? null,
        signal: last?.signal ?? null,
        ms: 0,
        forced: false,
        wasRunning: false,
      };
    }
    this.expectExit = true;
    const t0 = Date.now();
    signalGroup(pid, 'SIGTERM');
    const timer = new AbortController();
    const outcome = await Promise.race([
      this.exitedPromise,
      sleep(timeoutMs, 'timeout' as const, { signal: timer.signal }),
    ]);
    timer.abort();
    let forced = false;
    if (outcome === 'timeout') {
      forced = true;
      this.say(`did not stop within ${seconds(timeoutMs)} of SIGTERM; sending SIGKILL`);
      signalGroup(pid, 'SIGKILL');
      // Bounded even now: a process stuck in the kernel (uninterruptible I/O) ignores SIGKILL too.
      const killed = new AbortController();
      const gone = await Promise.race([
        this.exitedPromise,
        sleep(5000, undefined, { signal: killed.signal }),
      ]);
      killed.abort();
      if (!gone) {
        this.say(`pid ${pid} survived SIGKILL; giving up on it`);
        return {
          label: this.label,
          pid,
          code: null,
          signal: null,
          ms: Date.now() - t0,
          forced,
          wasRunning: true,
        };
      }
    }
    const exit = await this.exitedPromise;
    return {
      label: this.label,
      pid,
      code: exit.code,
      signal: exit.signal,
      ms: Date.now() - t0,
      forced,
      wasRunning: true,
    };
  }

  /** Sends `sig` and resolves once the process has exited. */
  signalAndWait(sig: NodeJS.Signals): Promise<InstanceExit> {
    const pid = this.pid;
    if (!this.running || pid === undefined) throw new MeshError(`${this.label} is not running`);
    this.expectExit = true;
    signalGroup(pid, sig);
    return this.exitedPromise;
  }

  /** Last resort when the launcher itself exits: nothing may outlive it unsupervised. */
  killNow(): void {
    if (this.running && this.pid !== undefined) signalGroup(this.pid, 'SIGKILL');
  }

  closeLog(): Promise<void> {
    return new Promise((resolveClose) => this.log.end(() => resolveClose()));
  }

  describeEarlyExit(): string {
    const exit = this.exitInfo;
    const how = exit ? describeExit(exit) : 'exited';
    const lines = this.lastLines(15);
    return [
      `${this.label} ${how}${exit?.wasReady ? '' : ' before it was ready'}.`,
      lines.length > 0
        ? `Its last lines (all of them in ${this.relativeLog()}):`
        : `It wrote nothing (${this.relativeLog()}).`,
      ...lines.map((l) => `    ${formatBody(l, false)}`),
    ].join('\n');
  }

  relativeLog(): string {
    const rel = relative(this.ctx.root, this.logFile);
    return rel.startsWith('..') || isAbsolute(rel) ? this.logFile : rel;
  }

  private neverStarted(): InstanceExit {
    return { code: null, signal: null, expected: true, wasReady: false, uptimeMs: 0 };
  }

  private pipe(stream: Readable | null): void {
    if (!stream) return;
    const lines = createInterface({ input: stream, crlfDelay: Infinity });
    lines.on('line', (line) => {
      this.record(line);
      if (!this.ctx.quiet) this.ctx.output.write(`${formatLine(line, this.pretty)}\n`);
    });
  }

  private record(line: string): void {
    this.log.write(`${line}\n`);
    this.tail.push(line);
    if (this.tail.length > TAIL_LINES) this.tail.splice(0, this.tail.length - TAIL_LINES);
  }

  /** A JSON line from the launcher in the instance's log, so the file shows each start and exit. */
  private writeMeshRecord(msg: string, fields: Record<string, unknown>): void {
    this.log.write(
      `${JSON.stringify({ time: new Date().toISOString(), level: 'info', source: 'mesh', instance: this.id, msg, ...fields })}\n`,
    );
  }

  private reportUnexpectedExit(exit: InstanceExit): void {
    if (exit.wasReady) {
      const text = `!! ${this.label} (pid ${this.pid}) ${describeExit(exit)} after ${seconds(exit.uptimeMs)}. The other instances keep running.`;
      this.say(this.ctx.color ? `\u001b[1;31m${text}\u001b[0m` : text);
      for (const line of this.lastLines(5)) this.say(`   ${formatBody(line, this.ctx.color)}`);
    } else {
      this.say(`${describeExit(exit)} before it was ready`);
    }
    this.ctx.onUnexpectedExit?.(this, exit);
  }
}

export function describeExit(exit: Pick<InstanceExit, 'code' | 'signal'>): string {
  if (exit.signal) return `was killed by ${exit.signal}`;
  if (exit.code === null) return 'could not be started';
  return `exited with code ${exit.code}`;
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const paintDim = (text: string, color: boolean) => (color ? `\u001b[90m${text}\u001b[0m` : text);

/** Finds ports some other process already listens on; a service there would fail, or worse, a probe would reach the other process. */
async function portsInUse(plans: readonly InstancePlan[]): Promise<string[]> {
  const busy: string[] = [];
  const check = (port: number, what: string) =>
    new Promise<void>((resolveCheck) => {
      const server = createServer();
      server.once('error', (err: NodeJS.ErrnoException) => {
        busy.push(`${port} (${what}): ${err.code ?? err.message}`);
        resolveCheck();
      });
      server.listen(port, '127.0.0.1', () => server.close(() => resolveCheck()));
    });
  await Promise.all(
    plans.flatMap((p) => [
      check(p.adminPort, `${p.label} admin`),
      ...(p.httpPort !== undefined ? [check(p.httpPort, `${p.label} http`)] : []),
    ]),
  );
  return busy.sort();
}

/**
 * Starts every instance and returns at once; call waitReady() next. Throws a MeshError before
 * starting anything if a service is not built or a port is taken.
 */
export async function startMesh(o: MeshOptions = {}): Promise<Mesh> {
  const root = resolve(o.root ?? REPO_ROOT);
  const plans = planMesh({ ...o, root });

  const missing = plans.filter((p) => p.builtCommand && !existsSync(join(root, p.command.at(-1) ?? '')));
  const missingFiles = [...new Set(missing.map((p) => p.command.at(-1) ?? ''))];
  if (missingFiles.length > 0) {
    throw new MeshError(`not built yet:\n${bullets(missingFiles)}\nRun make build (or pnpm build) first.`);
  }
  const busy = await portsInUse(plans);
  if (busy.length > 0) {
    throw new MeshError(
      `ports already in use:\n${bullets(busy)}\n` +
        'Is a mesh already running? See make status, stop it with make down, or pick other ports ' +
        '(GATEWAY_PORT, CONSOLE_PORT, OPERATOR_PORT, ADMIN_PORT_BASE, DEMO_SP_PORT).',
    );
  }
  for (const dir of new Set(plans.map((p) => dirname(p.logFile)))) mkdirSync(dir, { recursive: true });

  const output = o.output ?? process.stdout;
  const color =
    o.color ??
    (process.env.FORCE_COLOR !== undefined && process.env.FORCE_COLOR !== '0'
      ? true
      : Boolean(output.isTTY) && process.env.NO_COLOR === undefined);
  const stopTimeoutMs = o.stopTimeoutMs ?? DEFAULT_STOP_TIMEOUT_MS;
  const readyTimeoutMs = o.readyTimeoutMs ?? DEFAULT_READY_TIMEOUT_MS;
  let closing = false;
  const ctx: MeshContext = {
    root,
    quiet: o.quiet ?? false,
    color,
    output,
    labelWidth: Math.max(0, ...plans.map((p) => p.label.length)),
    inheritEnv: o.inheritEnv ?? true,
    detached: o.detached ?? false,
    isClosing: () => closing,
    ...(o.onUnexpectedExit ? { onUnexpectedExit: o.onUnexpectedExit } : {}),
  };
  const instances = plans.map((p) => new Instance(p, ctx));
  const find = (name: InstanceName, index = 1): Instance => {
    const found = instances.find((i) => i.name === name && i.index === index);
    if (!found) throw new MeshError(`no instance ${name}#${index} in this mesh`);
    return found;
  };
  const killAll = () => instances.forEach((i) => i.killNow());
  process.on('exit', killAll);

  const launcherPrefix = prefix({ label: 'mesh'.padEnd(ctx.labelWidth), labelColor: '1', color });
  const say = (text: string) => {
    if (!ctx.quiet) output.write(`${launcherPrefix} ${text}\n`);
  };

  const waitFor = async (targets: Instance[], timeoutMs: number): Promise<void> => {
    const deadline = Date.now() + timeoutMs;
    const abort = new AbortController();
    try {
      await Promise.all(targets.map((i) => i.waitReady(deadline, abort.signal)));
    } catch (err) {
      abort.abort();
      // Report every instance that is not ready, not just the first one to fail.
      const exited = targets.filter((i) => !i.running);
      const waiting = targets.filter((i) => i.running && !i.ready);
      const parts: string[] = exited.map((i) => i.describeEarlyExit());
      if (waiting.length > 0 && (exited.length === 0 || Date.now() >= deadline)) {
        parts.push(
          `Not ready after ${seconds(timeoutMs)}:`,
          ...waiting.flatMap((i) => [
            `  ${i.label} (${i.adminUrl}): ${i.lastProbe}`,
            ...i.lastLines(5).map((l) => `      ${formatBody(l, false)}`),
          ]),
        );
      }
      throw new MeshError(parts.length > 0 ? parts.join('\n') : String(err));
    }
  };

  let stopping: Promise<StopResult[]> | undefined;
  const mesh: Mesh = {
    instances,
    root,
    instance: find,
    say,
    // An instance stopped on purpose (kill()) is not waited for; one that crashed fails the wait.
    waitReady: (timeoutMs = readyTimeoutMs) =>
      waitFor(
        instances.filter((i) => i.running || !i.lastExit?.expected),
        timeoutMs,
      ),
    stop: () =>
      (stopping ??= (async () => {
        closing = true;
        const results = await Promise.all(instances.map((i) => i.terminate(stopTimeoutMs)));
        for (const [k, r] of results.entries()) {
          const inst = instances[k];
          if (!inst || !r.wasRunning) continue;
          const how = r.forced
            ? `killed after ${seconds(r.ms)} (ignored SIGTERM)`
            : `${describeExit(r)} in ${seconds(r.ms)}`;
          inst.say(paintDim(`stopped: ${how}`, color));
        }
        await Promise.all(instances.map((i) => i.closeLog()));
        process.off('exit', killAll);
        return results;
      })()),
    kill: (name, index, sig = 'SIGTERM') => find(name, index).signalAndWait(sig),
    restart: async (name, index, opts = {}) => {
      if (closing) throw new MeshError('the mesh is stopping');
      const inst = find(name, index);
      if (inst.running) await inst.terminate(stopTimeoutMs);
      inst.start();
      if (opts.waitReady ?? true) await waitFor([inst], readyTimeoutMs);
    },
  };

  for (const inst of instances) inst.start();
  return mesh;
}
