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
  DomainError,
  MAIL_SEAL_PURPOSE,
  SealedMail,
  accountsRpc,
  createSealer,
  deriveKey,
  accountsSmsPassRpc,
  catalog,
  createRpcClient,
  otpRpc,
  rpcHandler,
  serveRpc,
  type Envelope,
  type NatsConnection,
  type RpcClient,
  type RpcDef,
  type RpcHandler,
  type RpcRequest,
  type RpcResponse,
  type RpcServer,
} from '@idp/events';
import { Registry, createLogger, type Logger } from '@idp/observability';
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
    let failing = 0;
    const stubs: RpcHandler[] = [
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
