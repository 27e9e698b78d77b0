import { createRequire } from 'node:module';
import type { CommonConfig } from '@idp/config';
import {
  catalog as defaultCatalog,
  connectNats,
  createPublisher,
  createRpcClient,
  ensureStreams,
  jetstream,
  jetstreamManager,
  rpcHandler,
  serveRpc,
  serviceStatus,
  streamSpecs,
  type Catalog,
  type EventSigner,
  type JetStreamClient,
  type JetStreamManager,
  type NatsHandle,
  type Publisher,
  type RpcClient,
  type RpcHandler,
  type RpcServer,
  type ServiceName,
} from '@idp/events';
import {
  checkReadiness,
  createLogger,
  createMetricsRegistry,
  createShutdown,
  startAdminServer,
  type AdminServer,
  type Logger,
  type ReadinessCheck,
  type Registry,
  type Shutdown,
  type ShutdownHook,
} from '@idp/observability';
import { defaultEventKeyFile, loadEventSigner } from './event-keys.js';

export * from './dev-sink.js';
export * from './event-keys.js';

/** Reads `version` from the package.json next to `src/` or `dist/` of the calling package. */
export function packageVersion(moduleUrl: string): string {
  return (createRequire(moduleUrl)('../package.json') as { version: string }).version;
}

export interface RuntimeOptions {
  service: ServiceName;
  version: string;
  config: CommonConfig;
  catalog?: Catalog;
}

/**
 * What every service process has: logger, metrics, the admin port, NATS with JetStream, a
 * publisher, an RPC client, its status RPC, and an orderly shutdown. A service's `main.ts` adds
 * its own adapters and handlers on top.
 */
export interface Runtime {
  service: ServiceName;
  version: string;
  instance: string;
  /** `<service>@<version>/<instance>`: the `producer` of every event this process emits. */
  producer: string;
  log: Logger;
  registry: Registry;
  admin: AdminServer;
  nats: NatsHandle;
  js: JetStreamClient;
  jsm: JetStreamManager;
  /** Signs every message this process stores on JetStream (the publisher and the outbox relay use it). */
  signer: EventSigner;
  publisher: Publisher;
  rpc: RpcClient;
  catalog: Catalog;
  shutdown: Shutdown;
  /** Adds a dependency to /readyz and to the status RPC. */
  addCheck(name: string, check: ReadinessCheck): void;
  onShutdown(name: string, hook: ShutdownHook): void;
  /** Call last in main: until then /readyz says `startup: down: starting`, so no traffic arrives early. */
  started(): void;
  /** Answers these contracts in the service's queue group until shutdown. */
  serve(handlers: RpcHandler[]): RpcServer;
}

/**
 * Starts the shared runtime. The admin port comes up first, so /healthz answers and /readyz
 * explains what is missing while NATS is still being reached.
 */
export async function startRuntime(o: RuntimeOptions): Promise<Runtime> {
  const { config } = o;
  const catalog = o.catalog ?? defaultCatalog;
  const instance = config.INSTANCE_ID;
  const log = createLogger({ service: o.service, version: o.version, instance, level: config.LOG_LEVEL });
  const registry = createMetricsRegistry({ service: o.service, instance });
  const checks: Record<string, ReadinessCheck> = {};
  // Filled in as start-up proceeds; the checks and shutdown read whatever exists so far.
  const late: { nats?: NatsHandle; jsm?: JetStreamManager; admin?: AdminServer; started?: boolean } = {};
  checks.startup = () => (late.started ? Promise.resolve() : Promise.reject(new Error('starting')));
  checks.nats = () => (late.nats ? late.nats.check() : Promise.reject(new Error('connecting')));
  checks.jetstream = async () => {
    if (!late.jsm || !late.nats?.isConnected()) throw new Error('not connected');
    await late.jsm.getAccountInfo();
  };

  const shutdown = createShutdown({
    log,
    timeoutMs: config.SHUTDOWN_TIMEOUT_MS,
    onBegin: () => late.admin?.markShuttingDown(),
  });
  const admin = await startAdminServer({
    host: config.ADMIN_HOST,
    port: config.ADMIN_PORT,
    log,
    registry,
    checks,
    identity: { service: o.service, instance, version: o.version },
  });
  late.admin = admin;
  shutdown.onShutdown('admin server', () => admin.close());
  process.on('unhandledRejection', (err) => log.error({ err }, 'unhandled rejection'));

  // Before NATS: a service that cannot sign must not publish anything at all.
  const signer = await loadEventSigner({
    keyFile: config.EVENT_SIGNING_KEY_FILE ?? defaultEventKeyFile(o.service),
    generateIfMissing: config.IDP_ENV !== 'production',
    log,
  });

  log.info({ url: config.NATS_URL }, 'connecting to nats');
  const nats = await connectNats({ url: config.NATS_URL, name: `${o.service}/${instance}`, log });
  late.nats = nats;
  const nc = nats.nc;
  shutdown.onShutdown('nats', async () => {
    // drain() flushes what was published and lets subscriptions finish their in-flight messages.
    if (!nc.isClosed()) await nc.drain();
  });
  const jsm = await jetstreamManager(nc);
  late.jsm = jsm;
  const js = jetstream(nc);
  await ensureStreams(jsm, streamSpecs(catalog), log);

  const producer = `${o.service}@${o.version}/${instance}`;
  const startedAt = new Date().toISOString();
  const runtime: Runtime = {
    service: o.service,
    version: o.version,
    instance,
    producer,
    log,
    registry,
    admin,
    nats,
    js,
    jsm,
    signer,
    publisher: createPublisher(js, { producer, catalog, signer }),
    rpc: createRpcClient(nc, { defaultTimeoutMs: config.NATS_REQUEST_TIMEOUT_MS }),
    catalog,
    shutdown,
    started: () => {
      late.started = true;
      log.info('started');
    },
    addCheck: (name, check) => {
      checks[name] = check;
    },
    onShutdown: (name, hook) => shutdown.onShutdown(name, hook),
    serve: (handlers) => {
      const server = serveRpc(nc, handlers, { service: o.service, log, registry });
      shutdown.onShutdown(`rpc ${handlers.map((h) => h.contract.subject).join(',')}`, () => server.stop());
      return server;
    },
  };
  runtime.serve([
    rpcHandler(serviceStatus[o.service], async () => {
      const report = await checkReadiness(checks, 1500);
      return {
        service: o.service,
        instance,
        version: o.version,
        startedAt,
        ready: report.ready,
        checks: report.checks,
      };
    }),
  ]);
  return runtime;
}
