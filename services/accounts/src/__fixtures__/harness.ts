// Shared by the integration tests: the real handlers served over a real NATS connection, on a
// PostgreSQL schema of the test's own, called with the real RPC client.
import { randomUUID } from 'node:crypto';
import { connect } from '@nats-io/transport-node';
import { createDatabase, migrate, sql, type Database } from '@idp/db';
import {
  MAIL_SEAL_PURPOSE,
  OTP_DESTINATION_PURPOSE,
  createSealer,
  deriveKey,
  catalog,
  createRpcClient,
  otpRpc,
  serveRpc,
  type AuditorEntry,
  type Envelope,
  type NatsConnection,
  type RpcDef,
  type RpcHandler,
  type RpcRequest,
  type RpcResponse,
  type RpcServer,
  type Sealer,
} from '@idp/events';
import { Registry, createLogger, type Logger } from '@idp/observability';
import { findInfrastructure, uniqueName } from '@idp/testing';
import { createArgon2Hasher, DEFAULT_ARGON2_PARAMS, type Argon2Params } from '@idp/passwords';
import { staticDirectory } from '../adapters/auditors/roster-file.js';
import { sealedMailQueue } from '../adapters/mail/mail-queue.js';
import { createPostgresAccountStore } from '../adapters/postgres/store.js';
import type { AccountsTables } from '../adapters/postgres/tables.js';
import type { LoginPolicy } from '../domain/login-throttle.js';
import { createPersonKeyWrapper } from '../domain/person-key.js';
import { eventFactory } from '../handlers/events.js';
import { accountsHandlers } from '../handlers/index.js';
import { migrations } from '../migrations/index.js';
import type { AccountStore, Clock } from '../ports.js';

/** Set TEST_LOG_LEVEL=debug to see what the handlers log. */
export const testLog: Logger = createLogger({
  service: 'accounts-test',
  level: (process.env.TEST_LOG_LEVEL as 'debug' | undefined) ?? 'silent',
});

/** A clock the test moves by hand. */
export interface TestClock extends Clock {
  advance(ms: number): void;
}

export function testClock(start: Date): TestClock {
  let t = start.getTime();
  return { now: () => new Date(t), advance: (ms) => void (t += ms) };
}

export interface OutboxRow {
  subject: string;
  envelope: Envelope;
}

export interface Refusal {
  kind: string;
  code: string;
  message: string;
}

export interface AccountsUnderTest {
  schema: string;
  database: Database<AccountsTables>;
  store: AccountStore;
  clock: TestClock;
  /** Calls the served handler of `contract` over NATS. */
  call<C extends RpcDef>(contract: C, request: RpcRequest<C>): Promise<RpcResponse<C>>;
  /** Calls and returns the rejection's kind, code and message; fails the test if the call succeeds. */
  refusal<C extends RpcDef>(contract: C, request: RpcRequest<C>): Promise<Refusal>;
  outbox(): Promise<OutboxRow[]>;
  /** Opens the mail jobs in the outbox, as the activation service's worker would. */
  mails(): Promise<{ template: string; language: string; to: string; params: Record<string, string> }[]>;
  /**
   * Serves stand-ins for the services accounts calls (otp-sender) on this run's subjects, on the
   * test's NATS connection; stopped with close().
   */
  standIn(handlers: RpcHandler[]): void;
  close(): Promise<void>;
}

/** The key the harness seals mail jobs with (activation's tests use their own). */
export const TEST_MAIL_SEAL_KEY = 'accounts-integration-test-mail-seal-key';
export const TEST_OTP_DESTINATION_KEY = 'accounts-integration-test-otp-destination-key';
export const TEST_TERMS_VERSION = '2026-01';
export const TEST_PERSONAL_DATA_MASTER_KEY = 'accounts-integration-test-personal-data-master-key';

/**
 * Migrates a fresh `t_acc_<random>` schema and serves the handlers on subjects prefixed with a
 * token of this run, so a service (or another test run) on the same NATS server never answers
 * in their place.
 */
export async function startAccounts(
  o: {
    policy?: LoginPolicy;
    start?: Date;
    argon2?: Argon2Params;
    emailConfirmationTtlMs?: number;
    passwordResetTtlMs?: number;
    /** The auditor roster disclosure requests are checked against (default: nobody). */
    auditors?: readonly AuditorEntry[];
  } = {},
): Promise<AccountsUnderTest> {
  const infra = await findInfrastructure();
  const schema = uniqueName('t_acc_');
  const database = createDatabase<AccountsTables>({
    connectionString: infra.databaseUrl,
    schema,
    log: testLog,
    poolMax: 5,
  });
  let nc: NatsConnection | undefined;
  let server: RpcServer | undefined;
  const standIns: RpcServer[] = [];
  const close = async () => {
    for (const s of standIns) await s.stop();
    await server?.stop();
    await nc?.drain();
    await sql`DROP SCHEMA IF EXISTS ${sql.id(schema)} CASCADE`.execute(database.db);
    await database.close();
  };
  try {
    await migrate({ db: database.db, schema, migrations, log: testLog });
    nc = await connect({ servers: infra.natsUrl });
    const prefix = uniqueName('t');
    const isolate = <C extends RpcDef>(c: C): C => ({ ...c, subject: `${prefix}.${c.subject}` });

    const clock = testClock(o.start ?? new Date('2026-03-01T10:00:00Z'));
    const store = createPostgresAccountStore(database.db);
    const event = eventFactory({ producer: 'accounts@test/int', catalog, clock });
    const sealer: Sealer = createSealer(deriveKey(TEST_MAIL_SEAL_KEY, MAIL_SEAL_PURPOSE));
    const client = createRpcClient(nc, { defaultTimeoutMs: 10_000 });
    const handlers = accountsHandlers({
      store,
      clock,
      hasher: createArgon2Hasher(o.argon2 ?? DEFAULT_ARGON2_PARAMS),
      event,
      mail: sealedMailQueue({ sealer, event }),
      personKeys: createPersonKeyWrapper(TEST_PERSONAL_DATA_MASTER_KEY),
      auditors: staticDirectory(o.auditors ?? []),
      registration: {
        termsVersion: TEST_TERMS_VERSION,
        emailConfirmationTtlMs: o.emailConfirmationTtlMs ?? 86_400_000,
        passwordResetTtlMs: o.passwordResetTtlMs ?? 3_600_000,
      },
      loginPolicy: o.policy ?? {
        account: { maxFailures: 5, windowMs: 900_000, lockMs: 900_000 },
        address: { maxFailures: 20, windowMs: 900_000, lockMs: 900_000 },
      },
      otp: { status: (request, ctx) => client.call(isolate(otpRpc.status), request, ctx) },
      otpDestinations: createSealer(deriveKey(TEST_OTP_DESTINATION_KEY, OTP_DESTINATION_PURPOSE)),
    }).map((h): RpcHandler => ({ ...h, contract: isolate(h.contract) }));
    server = serveRpc(nc, handlers, { service: 'accounts', log: testLog, registry: new Registry() });
    const conn = nc;
    const call = <C extends RpcDef>(contract: C, request: RpcRequest<C>) =>
      client.call(isolate(contract), request, { correlationId: randomUUID() });

    return {
      schema,
      database,
      store,
      clock,
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
        const rows = await database.db
          .selectFrom('outbox')
          .select(['subject', 'envelope'])
          .orderBy('seq')
          .execute();
        return rows;
      },
      async mails() {
        const rows = await database.db
          .selectFrom('outbox')
          .select(['envelope'])
          .where('subject', '=', 'idp.work.mail.send.v1')
          .orderBy('seq')
          .execute();
        return rows.map(({ envelope }) => {
          const job = envelope.data as { mailId: string; template: string; language: string; sealed: string };
          const opened = JSON.parse(sealer.open(job.sealed, job.mailId)) as {
            to: string;
            params: Record<string, string>;
          };
          return { template: job.template, language: job.language, ...opened };
        });
      },
      standIn(stand: RpcHandler[]) {
        standIns.push(
          serveRpc(
            conn,
            stand.map((h) => ({ ...h, contract: isolate(h.contract) })),
            { service: 'stand-in', log: testLog, registry: new Registry() },
          ),
        );
      },
      close,
    };
  } catch (err) {
    await close().catch(() => undefined);
    throw err;
  }
}
