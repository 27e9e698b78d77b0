// Shared by the integration tests: the console and the RA's RPC handlers over a real NATS server of
// the test's own (so `IDP_EVENTS` and the activation/accounts subjects are ours alone), on a
// PostgreSQL schema of the test's own, with small stand-ins answering activation and accounts.
import { randomBytes } from 'node:crypto';
import { connect } from '@nats-io/transport-node';
import { createDatabase, migrate, sql, startOutboxRelay, type Database, type OutboxRelay } from '@idp/db';
import {
  EVENTS_STREAM,
  accountsOfficerLookupRpc,
  accountsRpc,
  activationRpc,
  catalog,
  createRpcClient,
  ensureStreams,
  jetstream,
  jetstreamManager,
  rpcHandler,
  serveRpc,
  streamSpecs,
  DomainError,
  type ActivationRequestView,
  type CorrectionView as CorrectionViewSchema,
  type LetterView as LetterViewSchema,
  type RpcRequest,
  type AccountAttributes,
  type Envelope,
  type JetStreamManager,
  type NatsConnection,
  type RpcServer,
  type SmsPassStatus,
  createTestSigner,
} from '@idp/events';
import type { z } from '@idp/config';
import { Registry, createLogger, type Logger } from '@idp/observability';
import {
  findInfrastructure,
  isPortOpen,
  privateNatsServer,
  uniqueName,
  type PrivateServer,
} from '@idp/testing';
import { listen, type HttpServer } from '@idp/web';
import { createArgon2Hasher } from '@idp/passwords';
import { createSecretBox } from '../adapters/crypto/secret-box.js';
import { createPostgresRaStore } from '../adapters/postgres/store.js';
import type { RaTables } from '../adapters/postgres/tables.js';
import { createConsoleApp } from '../console/app.js';
import type { ConsoleDeps } from '../console/deps.js';
import { eventFactory } from '../handlers/events.js';
import { raHandlers } from '../handlers/index.js';
import { migrations } from '../migrations/index.js';
import type { Clock } from '../ports.js';

/** Set TEST_LOG_LEVEL=debug to see what the service logs. */
export const testLog: Logger = createLogger({
  service: 'ra-test',
  level: (process.env.TEST_LOG_LEVEL as 'debug' | undefined) ?? 'silent',
});

export interface TestClock extends Clock {
  advance(ms: number): void;
}

export type RequestView = z.infer<typeof ActivationRequestView>;
export type CorrectionView = z.infer<typeof CorrectionViewSchema>;
export type LetterView = z.infer<typeof LetterViewSchema>;
export interface Person {
  smsPass: z.infer<typeof SmsPassStatus>;
  attributes: z.infer<typeof AccountAttributes>;
}

/** What the stand-ins for activation and accounts know; tests add to it. */
export interface World {
  requests: RequestView[];
  corrections: CorrectionView[];
  people: Map<string, Person>;
  letters: LetterView[];
  /** Every mark_letter request the stand-in received, in order. */
  marks: RpcRequest<typeof activationRpc.markLetter>[];
}

export interface RaUnderTest {
  url: string;
  clock: TestClock;
  database: Database<RaTables>;
  nc: NatsConnection;
  jsm: JetStreamManager;
  world: World;
  /** Every event in `IDP_EVENTS` so far, in stream order. */
  events(): Promise<Envelope[]>;
  close(): Promise<void>;
}

/** A port in 29100–29899: outside the e2e stacks' 20000–29099, and free right now. */
async function freePort(): Promise<number> {
  for (;;) {
    const port = 29_100 + Math.floor(Math.random() * 800);
    if (!(await isPortOpen('127.0.0.1', port))) return port;
  }
}

export async function startRa(o: { start?: Date; maxFailures?: number } = {}): Promise<RaUnderTest> {
  const infra = await findInfrastructure();
  const schema = uniqueName('t_ra_');
  const database = createDatabase<RaTables>({
    connectionString: infra.databaseUrl,
    schema,
    log: testLog,
    poolMax: 5,
  });
  let natsServer: PrivateServer | undefined;
  let nc: NatsConnection | undefined;
  let relay: OutboxRelay | undefined;
  let servers: RpcServer[] = [];
  let http: HttpServer | undefined;
  const close = async () => {
    await http?.close();
    await Promise.all(servers.map((s) => s.stop()));
    await relay?.stop();
    await nc?.close();
    await natsServer?.destroy();
    await sql`DROP SCHEMA IF EXISTS ${sql.id(schema)} CASCADE`.execute(database.db);
    await database.close();
  };
  try {
    await migrate({ db: database.db, schema, migrations, log: testLog });
    natsServer = privateNatsServer(await freePort());
    await natsServer.start();
    nc = await connect({ servers: natsServer.url });
    const jsm = await jetstreamManager(nc);
    const js = jetstream(nc);
    await ensureStreams(jsm, streamSpecs(catalog), testLog);
    const registry = new Registry();
    relay = startOutboxRelay({
      pool: database.pool,
      schema,
      js,
      log: testLog,
      registry,
      signer: createTestSigner(),
      pollIntervalMs: 100,
    });

    let t = (o.start ?? new Date()).getTime();
    const clock: TestClock = { now: () => new Date(t), advance: (ms) => void (t += ms) };
    const deps: ConsoleDeps = {
      store: createPostgresRaStore(database.db),
      // Cheap parameters: these tests are about the flow, not the hash's cost.
      hasher: createArgon2Hasher({ memoryKib: 1024, timeCost: 1, parallelism: 1 }),
      box: createSecretBox(randomBytes(32)),
      clock,
      event: eventFactory({ producer: 'registration-authority@test/int', catalog, clock }),
      rpc: createRpcClient(nc, { defaultTimeoutMs: 5000 }),
      lockout: { maxFailures: o.maxFailures ?? 3, lockMs: 15 * 60_000 },
      sessions: { idleMs: 15 * 60_000, absoluteMs: 8 * 3_600_000, secondFactorMs: 5 * 60_000 },
      totpIssuer: 'SI-PASS RA test',
      log: testLog,
    };

    const world: World = { requests: [], corrections: [], people: new Map(), letters: [], marks: [] };
    const notFound = () => new DomainError('not_found', 'accounts.not_found', { message: 'no such account' });
    servers = [
      serveRpc(nc, raHandlers(deps), { service: 'registration-authority', log: testLog, registry }),
      serveRpc(
        nc,
        [
          rpcHandler(activationRpc.findForOfficer, async (req) => {
            const matches = (r: { requestNumber: string; accountId: string }) =>
              (!req.requestNumber || r.requestNumber === req.requestNumber) &&
              (!req.accountIds || req.accountIds.includes(r.accountId));
            return {
              requests: world.requests.filter(matches),
              corrections: world.corrections.filter(matches),
            };
          }),
          rpcHandler(activationRpc.listLetters, async (req) => ({
            letters: world.letters.filter((l) => !req.state || l.state === req.state),
          })),
          // Only the transitions the activation service allows, so refusals can be tested.
          rpcHandler(activationRpc.markLetter, async (req) => {
            world.marks.push(req);
            const i = world.letters.findIndex((l) => l.letterId === req.letterId);
            const l = world.letters[i];
            if (!l)
              throw new DomainError('not_found', 'activation.letter_not_found', {
                message: 'no such letter',
              });
            if (req.state === 'printed' ? l.state !== 'queued' : l.state === 'posted')
              throw new DomainError('precondition', 'activation.invalid_transition', { message: 'no' });
            const at = clock.now().toISOString();
            const marked = {
              ...l,
              state: req.state,
              ...(req.state === 'printed' ? { printedAt: at } : { postedAt: at }),
            };
            world.letters[i] = marked;
            return marked;
          }),
        ],
        { service: 'activation', log: testLog, registry },
      ),
      serveRpc(
        nc,
        [
          rpcHandler(accountsRpc.getAttributes, async (req) => {
            const p = world.people.get(req.accountId);
            if (!p) throw notFound();
            return { accountId: req.accountId, ...p };
          }),
          rpcHandler(accountsOfficerLookupRpc.findByTaxNumber, async (req) => {
            const n = req.taxNumber.replace(/\s+/g, '').replace(/^si/i, '');
            if (!/^[1-9]\d{7}$/.test(n))
              throw new DomainError('invalid_argument', 'accounts.invalid_tax_number', { message: 'format' });
            const hit = [...world.people].find(([, p]) => p.attributes.taxNumber === n);
            if (!hit) throw notFound();
            return { accountId: hit[0] };
          }),
        ],
        { service: 'accounts', log: testLog, registry },
      ),
    ];

    http = await listen(createConsoleApp(deps, { secureCookies: true, log: testLog }), {
      host: '127.0.0.1',
      port: 0,
      log: testLog,
      name: 'officer console (test)',
    });
    const conn = nc;
    return {
      url: http.url,
      clock,
      database,
      nc: conn,
      jsm,
      world,
      async events() {
        const info = await jsm.streams.info(EVENTS_STREAM);
        const out: Envelope[] = [];
        for (let seq = info.state.first_seq; info.state.messages > 0 && seq <= info.state.last_seq; seq++) {
          const m = await jsm.streams.getMessage(EVENTS_STREAM, { seq });
          if (m) out.push(m.json<Envelope>());
        }
        return out;
      },
      close,
    };
  } catch (err) {
    await close().catch(() => undefined);
    throw err;
  }
}
