// Shared by the integration tests: the real handlers and store on a PostgreSQL schema of the test's
// own, served over a real NATS connection on subjects prefixed with a token of this run. accounts
// and otp-sender are stand-ins answering over that same NATS (the real ones are other services).
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from '@nats-io/transport-node';
import { loadConfig } from '@idp/config';
import { createDatabase, migrate, sql, type Database } from '@idp/db';
import {
  Catalog,
  DomainError,
  MAIL_SEAL_PURPOSE,
  MessagingMessageDeadLetteredV1,
  SealedMail,
  accountsCorrectionRpc,
  accountsRpc,
  buildEnvelope,
  consume,
  createPublisher,
  createSealer,
  createTestSigner,
  deriveKey,
  accountsSmsPassRpc,
  catalog,
  createRpcClient,
  jetstream,
  jetstreamManager,
  otpRpc,
  publishEnvelope,
  rpcHandler,
  serveRpc,
  type Envelope,
  type EventDef,
  type NatsConnection,
  type RpcClient,
  type RpcDef,
  type RpcHandler,
  type RpcRequest,
  type RpcResponse,
  type RpcServer,
} from '@idp/events';
import { Registry, createLogger, type Logger } from '@idp/observability';
import type { PostalAddress } from '../domain/correction.js';
import { raHandlers } from '../handlers/ra-events.js';
import { findInfrastructure, uniqueName } from '@idp/testing';
import type { ActivationTables } from '../adapters/postgres/tables.js';
import { ActivationConfig } from '../config.js';
import { migrations } from '../migrations/index.js';
import type { Clock } from '../ports.js';
import { buildActivation } from '../service.js';

export const testLog: Logger = createLogger({
  service: 'activation-test',
  level: (process.env.TEST_LOG_LEVEL as 'debug' | undefined) ?? 'silent',
});

export interface TestClock extends Clock {
  advance(ms: number): void;
}
export function testClock(start: Date): TestClock {
  let t = start.getTime();
  return { now: () => new Date(t), advance: (ms) => void (t += ms) };
}

export interface Refusal {
  kind: string;
  code: string;
  message: string;
}

export interface FakeAccount {
  smsPass: 'none' | 'active' | 'suspended';
  attributes: RpcResponse<typeof accountsRpc.getAttributes>['attributes'];
  /** The permanent address as get_personal_data gives it (`attributes.address` is its one-line form). */
  address?: PostalAddress;
}

/** The SMS code the stand-in otp-sender accepts. */
export const SMS_CODE = '123456';

/** A mail job from the outbox, opened as the mail worker opens it. */
export interface SentMail {
  template: string;
  requestId: string;
  email: string;
  params: Record<string, string>;
}

export interface ActivationUnderTest {
  schema: string;
  database: Database<ActivationTables>;
  clock: TestClock;
  prefix: string;
  nc: NatsConnection;
  activation: ReturnType<typeof buildActivation>;
  lettersDir: string;
  caFile: string;
  crlFile: string;
  accounts: Map<string, FakeAccount>;
  /** What the stand-ins were asked. */
  otpIssued: { accountId: string; phone?: string; challengeId: string }[];
  activated: { accountId: string; requestId: string; phone: string }[];
  /** Every correct_identity call the accounts stand-in applied, once per request id. */
  corrected: RpcRequest<typeof accountsCorrectionRpc.correctIdentity>[];
  /** Makes the next `n` correct_identity calls fail as if accounts were down. */
  failCorrections(n: number): void;
  /** The mail jobs enqueued so far, opened with the mail seal key (as the worker would). */
  mails(): Promise<SentMail[]>;
  /** Makes the next `n` activate_smspass calls fail as if accounts were down. */
  failActivations(n: number): void;
  call<C extends RpcDef>(contract: C, request: RpcRequest<C>): Promise<RpcResponse<C>>;
  refusal<C extends RpcDef>(contract: C, request: RpcRequest<C>): Promise<Refusal>;
  outbox(): Promise<Envelope[]>;
  close(): Promise<void>;
}

export async function startActivation(o: { start?: Date } = {}): Promise<ActivationUnderTest> {
  const infra = await findInfrastructure();
  const schema = uniqueName('t_act_');
  const dir = await mkdtemp(join(tmpdir(), 'activation-int-'));
  const database = createDatabase<ActivationTables>({
    connectionString: infra.databaseUrl,
    schema,
    log: testLog,
    poolMax: 8,
  });
  let nc: NatsConnection | undefined;
  const servers: RpcServer[] = [];
  const close = async () => {
    for (const s of servers) await s.stop();
    await nc?.drain();
    await sql`DROP SCHEMA IF EXISTS ${sql.id(schema)} CASCADE`.execute(database.db);
    await database.close();
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await migrate({ db: database.db, schema, migrations, log: testLog });
    nc = await connect({ servers: infra.natsUrl });
    const prefix = uniqueName('t');
    const isolate = <C extends RpcDef>(c: C): C => ({ ...c, subject: `${prefix}.${c.subject}` });
    const client = createRpcClient(nc, { defaultTimeoutMs: 10_000 });
    const rpc: RpcClient = {
      call: (contract, request, options) => client.call(isolate(contract), request, options),
    };
    const registry = new Registry();

    const accounts = new Map<string, FakeAccount>();
    const otpIssued: ActivationUnderTest['otpIssued'] = [];
    const activated: ActivationUnderTest['activated'] = [];
    const corrected: ActivationUnderTest['corrected'] = [];
    let failing = 0;
    let failingCorrections = 0;
    const account = (id: string) => {
      const a = accounts.get(id);
      if (!a) throw new DomainError('not_found', 'accounts.not_found');
      return a;
    };
    const stubs: RpcHandler[] = [
      rpcHandler(accountsRpc.getPersonalData, async (req) => {
        const a = account(req.accountId);
        const { givenName, familyName, taxNumber, email } = a.attributes;
        return {
          accountId: req.accountId,
          state: 'email_confirmed' as const,
          email: email ?? 'nobody@example.si',
          ...(givenName ? { givenName } : {}),
          ...(familyName ? { familyName } : {}),
          ...(taxNumber ? { taxNumber } : {}),
          ...(a.address ? { address: a.address } : {}),
          contactEmails: [],
          phones: [],
          language: 'sl' as const,
        };
      }),
      // As accounts: idempotent by request id; the change shows in what get_attributes answers.
      rpcHandler(accountsCorrectionRpc.correctIdentity, async (req) => {
        if (failingCorrections > 0) {
          failingCorrections--;
          throw new DomainError('unavailable', 'infra.database_down');
        }
        const a = account(req.accountId);
        if (!corrected.some((c) => c.requestId === req.requestId)) {
          corrected.push(req);
          if (req.givenName) a.attributes.givenName = req.givenName;
          if (req.familyName) a.attributes.familyName = req.familyName;
          if (req.address) a.address = req.address;
        }
        const changed = [
          ...(req.givenName ? (['given_name'] as const) : []),
          ...(req.familyName ? (['family_name'] as const) : []),
          ...(req.address ? (['address'] as const) : []),
        ];
        return { accountId: req.accountId, changed };
      }),
      rpcHandler(accountsRpc.getAttributes, (req) => {
        const a = accounts.get(req.accountId);
        if (!a) return Promise.reject(new DomainError('not_found', 'accounts.not_found'));
        return Promise.resolve({ accountId: req.accountId, smsPass: a.smsPass, attributes: a.attributes });
      }),
      rpcHandler(accountsSmsPassRpc.activateSmsPass, (req) => {
        if (failing > 0) {
          failing--;
          return Promise.reject(new DomainError('unavailable', 'infra.database_down'));
        }
        if (!activated.some((a) => a.requestId === req.requestId)) activated.push(req);
        accounts.get(req.accountId)!.smsPass = 'active';
        return Promise.resolve({ accountId: req.accountId, smsPass: 'active' as const });
      }),
      rpcHandler(otpRpc.issue, (req) => {
        const challengeId = randomUUID();
        otpIssued.push({ accountId: req.accountId, ...(req.phone ? { phone: req.phone } : {}), challengeId });
        return Promise.resolve({
          challengeId,
          expiresAt: new Date(Date.now() + 300_000).toISOString(),
          destinationHint: '+386 •• ••• •• 56',
          resendsLeft: 3,
          delivery: 'sending' as const,
        });
      }),
      rpcHandler(otpRpc.verify, (req) => {
        const issued = otpIssued.find((i) => i.challengeId === req.challengeId);
        if (!issued) return Promise.reject(new DomainError('not_found', 'otp.challenge_not_found'));
        if (req.code !== SMS_CODE)
          return Promise.reject(new DomainError('unauthenticated', 'otp.code_invalid'));
        return Promise.resolve({ verified: true as const, accountId: issued.accountId });
      }),
    ];
    servers.push(
      serveRpc(
        nc,
        stubs.map((h): RpcHandler => ({ ...h, contract: isolate(h.contract) })),
        {
          service: 'stand-ins',
          log: testLog,
          registry,
        },
      ),
    );

    const caFile = join(dir, 'ca.pem');
    const crlFile = join(dir, 'crl.pem');
    await writeFile(caFile, '');
    const config = loadConfig(ActivationConfig, {
      IDP_ENV: 'test',
      ADMIN_PORT: '0',
      DATABASE_URL: infra.databaseUrl,
      ACTIVATION_CODE_HMAC_KEY: 'test-key-'.padEnd(40, 'x'),
      MAIL_SEAL_KEY: 'test-mail-seal-key-'.padEnd(40, 'x'),
      ACTIVATION_TRUSTED_CA_FILES: caFile,
      ACTIVATION_CRL_FILES: crlFile,
      ACTIVATION_REQUIRE_CRL: 'true',
      LETTERS_DIR: join(dir, 'letters'),
    });
    const mailSealer = createSealer(deriveKey(config.MAIL_SEAL_KEY!, MAIL_SEAL_PURPOSE));
    const clock = testClock(o.start ?? new Date());
    const activation = buildActivation({
      config,
      codeSecret: config.ACTIVATION_CODE_HMAC_KEY!,
      db: database.db,
      rpc,
      mailSealer,
      clock,
      producer: 'activation@test/int',
      catalog,
      log: testLog,
    });
    servers.push(
      serveRpc(
        nc,
        activation.handlers.map((h): RpcHandler => ({ ...h, contract: isolate(h.contract) })),
        {
          service: 'activation',
          log: testLog,
          registry,
        },
      ),
    );
    await nc.flush();
    const call = <C extends RpcDef>(contract: C, request: RpcRequest<C>) =>
      client.call(isolate(contract), request, { correlationId: randomUUID() });
    return {
      schema,
      database,
      clock,
      prefix,
      nc,
      activation,
      lettersDir: config.LETTERS_DIR,
      caFile,
      crlFile,
      accounts,
      otpIssued,
      activated,
      corrected,
      failCorrections: (n) => void (failingCorrections = n),
      async mails() {
        const rows = await database.db
          .selectFrom('outbox')
          .select('envelope')
          .where('subject', '=', 'idp.work.mail.send.v1')
          .orderBy('seq')
          .execute();
        return rows.map(({ envelope: e }) => {
          const data = e.data as { mailId: string; template: string; sealed: string };
          const opened = SealedMail.parse(JSON.parse(mailSealer.open(data.sealed, data.mailId)));
          return {
            template: data.template,
            requestId: e.aggregate.id,
            email: opened.to,
            params: opened.params,
          };
        });
      },
      failActivations: (n) => void (failing = n),
      call,
      async refusal(contract, request) {
        const outcome = await call(contract, request).then(
          (reply) => ({ reply }),
          (err: unknown) => ({ err }),
        );
        if (!('err' in outcome)) throw new Error(`expected a refusal, got ${JSON.stringify(outcome.reply)}`);
        const { kind, code, message } = outcome.err as Refusal;
        return { kind, code, message };
      },
      async outbox() {
        const rows = await database.db.selectFrom('outbox').select('envelope').orderBy('seq').execute();
        return rows.map((r) => r.envelope);
      },
      close,
    };
  } catch (err) {
    await close().catch(() => undefined);
    throw err;
  }
}

const raSigner = createTestSigner();

/** The durable consumer of officer decisions, on subjects of a test's own. */
export interface RaConsumer {
  /**
   * Publishes an officer's decision as the registration authority would: `def` is the real
   * contract (idp.ra.…), sent on this consumer's own subject for it.
   */
  publish(def: EventDef, data: Record<string, unknown>, id?: string): Promise<Envelope>;
  stop(): Promise<void>;
}

/**
 * Starts the service's real RA consumer on a stream of the test's own, each `idp.ra.<event>`
 * subject renamed into a domain of this run (the machine's IDP_EVENTS holds the real ones).
 */
export async function startRaConsumer(a: ActivationUnderTest): Promise<RaConsumer> {
  const domain = uniqueName('tra');
  const handlers = raHandlers(a.activation.deps);
  const own = new Map<string, EventDef>(
    handlers.map((h) => [
      h.def.subject,
      { ...h.def, kind: 'event', subject: h.def.subject.replace(/^idp\.ra\./, `idp.${domain}.`) } as EventDef,
    ]),
  );
  const ownCatalog = new Catalog([MessagingMessageDeadLetteredV1, ...own.values()]);
  const jsm = await jetstreamManager(a.nc);
  const stream = uniqueName('T_RA_').toUpperCase();
  await jsm.streams.add({ name: stream, subjects: [`idp.${domain}.>`], duplicate_window: 60_000_000_000 });
  const js = jetstream(a.nc);
  const consumer = await consume(js, jsm, {
    stream,
    durable: 'activation-ra',
    filterSubject: `idp.${domain}.>`,
    handlers: handlers.map((h) => ({ ...h, def: own.get(h.def.subject)! })),
    catalog: ownCatalog,
    publisher: createPublisher(js, { producer: 'test', catalog: ownCatalog, signer: raSigner }),
    log: a.activation.deps.log,
    registry: new Registry(),
    backoffMs: [100],
  });
  return {
    async publish(def, data, id) {
      const env = buildEnvelope(
        own.get(def.subject)!,
        {
          aggregate: {
            type: def.subject.includes('.correction_') ? 'correction_request' : 'activation_request',
            id: String(data.requestId),
          },
          data,
          ...(id ? { id } : {}),
        },
        { correlationId: String(data.requestId) },
        { producer: 'registration-authority@test', catalog: ownCatalog },
      );
      await publishEnvelope(js, env, raSigner);
      return env;
    },
    async stop() {
      await consumer.stop();
      await jsm.streams.delete(stream).catch(() => undefined);
    },
  };
}
