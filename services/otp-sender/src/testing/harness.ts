import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DomainError,
  accountsRpc,
  catalog,
  connectNats,
  createPublisher,
  createTestSigner,
  createRpcClient,
  ensureStreams,
  jetstream,
  jetstreamManager,
  parseEnvelope,
  rpcHandler,
  serveRpc,
  streamSpecs,
  type Envelope,
  type JetStreamClient,
  type JetStreamManager,
  type NatsConnection,
  type RpcClient,
  type RpcServer,
  type RunningConsumer,
} from '@idp/events';
import { loadConfig } from '@idp/config';
import { createLogger, createMetricsRegistry, type Registry } from '@idp/observability';
import type { RedisHandle } from '@idp/redis';
import { privateNatsServer, waitFor, type PrivateServer } from '@idp/testing';
import { OtpSenderConfig } from '../config.js';
import { createDevSink } from '../adapters/sms/dev-sink.js';
import { createSnsTransport } from '../adapters/sms/sns.js';
import type { Clock, DevSms, SmsTransport } from '../ports.js';
import { buildOtpSender, type OtpSender } from '../service.js';
import { startFakeSns, type FakeSns } from './fake-sns.js';
import { dropTestRedis, testRedis } from './redis.js';

/** A clock that starts at real time and moves only when told (cooldowns without waiting). */
export class TestClock implements Clock {
  private offsetMs = 0;
  now = () => new Date(Date.now() + this.offsetMs);
  advance(ms: number) {
    this.offsetMs += ms;
  }
}

/** Switches the worker between the dev sink, the fake SNS and a transport a test supplies. */
class SwitchableTransport implements SmsTransport {
  current: SmsTransport;
  constructor(initial: SmsTransport) {
    this.current = initial;
  }
  get name() {
    return this.current.name;
  }
  send(m: { to: string; text: string }) {
    return this.current.send(m);
  }
}

export const TEST_ENV = {
  IDP_ENV: 'test',
  OTP_HMAC_KEY: 'integration-test-key-0123456789abcdefghij',
  OTP_DESTINATION_KEY: 'integration-test-destination-key-0123456789',
  SMS_TRANSPORT: 'dev_sink',
  PUBLIC_HOST: 'login.test.example',
  SMS_MAX_ATTEMPTS: '3',
  SMS_RETRY_BACKOFF_MS: '50,100',
  SMS_ACK_WAIT_MS: '1000',
  LOG_LEVEL: 'silent',
} as const;

/**
 * otp-sender's handlers and SMS worker wired as main.ts wires them, on a nats-server of this test's
 * own (the work-queue stream IDP_WORK_SMS has fixed subjects that would overlap the machine's) and
 * a Redis key prefix of its own; plus a fake accounts service and an SNS Query endpoint.
 */
export class Harness {
  nats!: PrivateServer;
  nc!: NatsConnection;
  js!: JetStreamClient;
  jsm!: JetStreamManager;
  rpc!: RpcClient;
  redis!: RedisHandle;
  registry!: Registry;
  sns!: FakeSns;
  otp!: OtpSender;
  server!: RpcServer;
  worker?: RunningConsumer;
  accounts!: RpcServer;
  readonly clock = new TestClock();
  readonly dir = mkdtempSync(join(tmpdir(), 'otp-sender-it-'));
  readonly sinkFile = join(this.dir, 'dev-sms.jsonl');
  readonly devSink = createDevSink(this.sinkFile, this.clock);
  readonly transport = new SwitchableTransport(this.devSink);
  /** accountId → verified phone, served as idp.rpc.accounts.get_otp_destination.v1. */
  readonly phones = new Map<string, string>();
  /** Every message on idp.otp.>, idp.messaging.> and idp.dlq.> since start. */
  readonly seen: Envelope[] = [];
  readonly dlq: { subject: string; headers: Record<string, string> }[] = [];
  readonly log = createLogger({ service: 'otp-sender-test', level: 'silent' });
  config = loadConfig(OtpSenderConfig, { ...TEST_ENV });

  async start(port = 24_000 + Math.floor(Math.random() * 4000)) {
    this.nats = privateNatsServer(port);
    await this.nats.start();
    this.nc = (await connectNats({ url: this.nats.url, name: 'otp-sender-test', log: this.log })).nc;
    this.js = jetstream(this.nc);
    this.jsm = await jetstreamManager(this.nc);
    await ensureStreams(this.jsm, streamSpecs(catalog), this.log);
    this.rpc = createRpcClient(this.nc, { defaultTimeoutMs: 3000 });
    this.redis = await testRedis();
    this.registry = createMetricsRegistry({ service: 'otp-sender', instance: 'test' });
    this.sns = await startFakeSns();
    for (const subject of ['idp.otp.>', 'idp.messaging.>']) {
      this.nc.subscribe(subject, {
        callback: (_e, m) => {
          this.seen.push(parseEnvelope(m.data));
        },
      });
    }
    this.nc.subscribe('idp.dlq.>', {
      callback: (_e, m) => {
        const headers: Record<string, string> = {};
        for (const k of m.headers?.keys() ?? []) headers[k] = m.headers!.get(k);
        this.dlq.push({ subject: m.subject, headers });
      },
    });
    this.accounts = serveRpc(
      this.nc,
      [
        rpcHandler(accountsRpc.getOtpDestination, (req) => {
          const phone = this.phones.get(req.accountId);
          if (!phone) return Promise.reject(new DomainError('not_found', 'accounts.not_found'));
          return Promise.resolve({ phone, phoneHint: `${phone.slice(0, 4)} •• ••• •• ${phone.slice(-2)}` });
        }),
      ],
      { service: 'accounts', log: this.log, registry: this.registry },
    );
    this.otp = this.build(this.nc, this.transport);
    this.server = serveRpc(this.nc, this.otp.handlers, {
      service: 'otp-sender',
      log: this.log,
      registry: this.registry,
    });
    this.worker = await this.otp.startWorker();
    await this.nc.flush();
  }

  /** The service as main.ts builds it, on a given connection and transport. */
  build(nc: NatsConnection, transport: SmsTransport): OtpSender {
    const js = nc === this.nc ? this.js : jetstream(nc);
    const publisher = createPublisher(js, {
      producer: 'otp-sender@test/1',
      catalog,
      signer: createTestSigner(),
    });
    return buildOtpSender({
      config: this.config,
      secrets: {
        otpHmacKey: this.config.OTP_HMAC_KEY!,
        otpDestinationKey: this.config.OTP_DESTINATION_KEY!,
      },
      redis: this.redis,
      js,
      jsm: this.jsm,
      publisher,
      rpc: createRpcClient(nc, { defaultTimeoutMs: 3000 }),
      catalog,
      log: this.log,
      registry: createMetricsRegistry({ service: 'otp-sender', instance: 'test' }),
      transport,
      devReader: this.devSink,
      clock: this.clock,
    });
  }

  /** Points the worker at the fake SNS endpoint (the real SDK request path). */
  useSns() {
    this.transport.current = createSnsTransport({
      region: 'eu-central-1',
      endpoint: this.sns.url,
      credentials: { accessKeyId: 'AKIATEST', secretAccessKey: 'test' },
      senderId: 'SIPASS',
      requestTimeoutMs: 2000,
    });
  }
  useDevSink() {
    this.transport.current = this.devSink;
  }

  /** Waits for the SMS to `to` that arrived after `since` sinks, and returns it with its code. */
  async smsTo(to: string, after = 0): Promise<DevSms & { code: string }> {
    const sms = await waitFor(
      `an SMS to ${to}`,
      async () => {
        const all = (await this.devSink.recent(1000, to)).reverse();
        return all[after];
      },
      10_000,
    );
    const code = /#(\d{6})$/.exec(sms.text)?.[1];
    if (!code) throw new Error(`no origin-bound code line in ${JSON.stringify(sms.text)}`);
    return { ...sms, code };
  }

  events(challengeId: string, subject?: string): Envelope[] {
    return this.seen.filter(
      (e) => e.aggregate.id === challengeId && (subject === undefined || e.subject === subject),
    );
  }

  async waitEvent(challengeId: string, subject: string): Promise<Envelope> {
    return waitFor(`${subject} for ${challengeId}`, () => this.events(challengeId, subject)[0], 10_000);
  }

  async stop() {
    await this.worker?.stop().catch(() => undefined);
    await this.server?.stop();
    await this.accounts?.stop();
    await this.nc?.close();
    await this.sns?.close();
    if (this.redis) await dropTestRedis(this.redis);
    await this.nats?.destroy();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
