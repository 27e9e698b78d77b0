import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from '@nats-io/transport-node';
import { SMTPServer } from 'smtp-server';
import { createDatabase, migrate, sql, type Database } from '@idp/db';
import {
  createTestSigner,
  ActivationMailSendJobV1,
  MAIL_SEAL_PURPOSE,
  buildEnvelope,
  catalog,
  createPublisher,
  createSealer,
  deriveKey,
  ensureStreams,
  jetstream,
  jetstreamManager,
  publishEnvelope,
  streamSpecs,
  type NatsConnection,
  type RunningConsumer,
} from '@idp/events';
import { createLogger, Registry } from '@idp/observability';
import { findInfrastructure, privateNatsServer, uniqueName, waitFor, type PrivateServer } from '@idp/testing';
import { sealedActivationMailer } from '../adapters/mailer/mail-queue.js';
import { eventFactory } from '../handlers/deps.js';
import { migrations } from '../migrations/index.js';
import { createDevMailSink } from './dev-sink.js';
import { createSmtpTransport } from './smtp.js';
import type { MailTransport } from './transport.js';
import { startMailWorker } from './worker.js';

const log = createLogger({ service: 'activation-test', level: 'silent' });
const sealer = createSealer(deriveKey('activation-integration-test-mail-seal-key', MAIL_SEAL_PURPOSE));
const TOKEN = 'Zk3Qy0o8aT1m2n3b4v5c6x7z8l9k0j1h2g3f4d5s6a7';

interface Received {
  from: string;
  to: string[];
  raw: string;
}

/** Undoes quoted-printable (ASCII text only), so assertions can read the body as written. */
const unQuote = (raw: string) =>
  raw
    .replace(/=\r?\n/g, '')
    .replace(/=([0-9A-F]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16)));

const signer = createTestSigner();

describe('activation mail worker (real JetStream, PostgreSQL and an SMTP server)', function () {
  let nats: PrivateServer;
  let nc: NatsConnection;
  let database: Database;
  let schema: string;
  let smtp: SMTPServer;
  let smtpPort: number;
  /** Replies the SMTP server gives to the next messages, in order; then it accepts. */
  let refusals: number[] = [];
  let received: Received[] = [];
  let worker: RunningConsumer | undefined;
  let transport: MailTransport | undefined;

  before(async () => {
    const infra = await findInfrastructure();
    // A nats-server of our own: IDP_WORK_MAIL's subjects are fixed and would overlap the machine's.
    nats = privateNatsServer(28_000 + Math.floor(Math.random() * 2000));
    await nats.start();
    nc = await connect({ servers: nats.url });
    await ensureStreams(await jetstreamManager(nc), streamSpecs(catalog), log);
    schema = uniqueName('t_act_');
    database = createDatabase({ connectionString: infra.databaseUrl, schema, log, poolMax: 3 });
    await migrate({ db: database.db, schema, migrations, log });

    smtp = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      onData(stream, session, callback) {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => {
          const code = refusals.shift();
          if (code) {
            callback(
              Object.assign(new Error(code >= 500 ? 'mailbox unavailable' : 'try again later'), {
                responseCode: code,
              }),
            );
            return;
          }
          received.push({
            from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
            to: session.envelope.rcptTo.map((r) => r.address),
            raw: Buffer.concat(chunks).toString('utf8'),
          });
          callback();
        });
      },
    });
    await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
    smtpPort = (smtp.server.address() as { port: number }).port;
  });

  after(async () => {
    await nc?.drain();
    await nats?.destroy();
    await new Promise<void>((r) => smtp.close(() => r()));
    await sql`DROP SCHEMA IF EXISTS ${sql.id(schema)} CASCADE`.execute(database.db);
    await database.close();
  });

  afterEach(async () => {
    await worker?.stop();
    transport?.close();
    worker = undefined;
    refusals = [];
    received = [];
  });

  async function start(t: MailTransport, maxAttempts = 3) {
    transport = t;
    const js = jetstream(nc);
    worker = await startMailWorker({
      js,
      jsm: await jetstreamManager(nc),
      db: database.db,
      publisher: createPublisher(js, { producer: 'activation@test', catalog, signer }),
      catalog,
      log,
      registry: new Registry(),
      producer: 'activation@test',
      sealer,
      transport: t,
      publicBaseUrl: 'https://login.test.example',
      maxAttempts,
      backoffMs: [50],
      ackWaitMs: 5000,
    });
  }

  const smtpTransport = () =>
    createSmtpTransport({
      host: '127.0.0.1',
      port: smtpPort,
      secure: false,
      requireTls: false,
      from: 'smsPASS <no-reply@test.example>',
      timeoutMs: 5000,
    });

  /** Publishes a job as accounts' outbox relay would; returns its mail id. */
  async function enqueueMail(template: 'password_reset' | 'password_changed', to: string): Promise<string> {
    const mailId = randomUUID();
    const params = template === 'password_reset' ? { token: TOKEN } : {};
    const env = buildEnvelope(
      ActivationMailSendJobV1,
      {
        aggregate: { type: 'account', id: randomUUID() },
        data: {
          mailId,
          template,
          language: 'en',
          sealed: sealer.seal(JSON.stringify({ to, params }), mailId),
        },
      },
      { correlationId: randomUUID() },
      { producer: 'accounts@test', catalog },
    );
    await publishEnvelope(jetstream(nc), env, signer);
    return mailId;
  }

  const outcome = (mailId: string) =>
    waitFor(
      `the outcome event of ${mailId}`,
      async () =>
        (
          await database.db
            .selectFrom('outbox')
            .select(['subject', 'envelope'])
            .where(sql<boolean>`envelope->'data'->>'mailId' = ${mailId}`)
            .execute()
        )[0],
      10_000,
    );

  it('delivers the rendered mail over SMTP and records mail_sent', async () => {
    await start(smtpTransport());
    const mailId = await enqueueMail('password_reset', 'ana@example.si');
    const sent = await outcome(mailId);
    expect(sent.subject).to.equal('idp.activation.mail_sent.v1');
    expect(sent.envelope.data).to.deep.equal({
      mailId,
      template: 'password_reset',
      transport: 'smtp',
      attempts: 1,
    });
    expect(received).to.have.length(1);
    expect(received[0]!.to).to.deep.equal(['ana@example.si']);
    expect(received[0]!.from).to.equal('no-reply@test.example');
    const body = unQuote(received[0]!.raw);
    expect(body).to.include('Subject: Reset your password');
    expect(body).to.include(`https://login.test.example/password/reset?token=${TOKEN}`);
    // The outcome event names the mail, never its address or link.
    expect(JSON.stringify(sent.envelope)).not.to.include('ana@').and.not.to.include(TOKEN);
  });

  it('retries after a temporary refusal and delivers once', async () => {
    refusals = [451];
    await start(smtpTransport());
    const mailId = await enqueueMail('password_changed', 'bor@example.si');
    const sent = await outcome(mailId);
    expect(sent.subject).to.equal('idp.activation.mail_sent.v1');
    expect(sent.envelope.data).to.include({ attempts: 2 });
    expect(received.map((r) => r.to)).to.deep.equal([['bor@example.si']]);
  });

  it('gives up at once on a permanent refusal and records mail_failed', async () => {
    refusals = [550];
    await start(smtpTransport());
    const mailId = await enqueueMail('password_changed', 'nobody@example.si');
    const failed = await outcome(mailId);
    expect(failed.subject).to.equal('idp.activation.mail_failed.v1');
    expect(failed.envelope.data).to.deep.include({ attempts: 1, error: 'smtp_550' });
    await new Promise((r) => setTimeout(r, 300));
    expect(received).to.have.length(0);
  });

  it('writes one JSON line per mail to the development sink', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'activation-mail-'));
    try {
      const file = join(dir, 'dev-mail.jsonl');
      const sink = createDevMailSink(file, () => new Date('2026-03-01T10:00:00Z'));
      await start(sink);
      const mailId = await enqueueMail('password_reset', 'cene@example.si');
      expect((await outcome(mailId)).envelope.data).to.include({ transport: 'dev_sink' });
      const line = JSON.parse(readFileSync(file, 'utf8').trim()) as Record<string, string>;
      expect(Object.keys(line)).to.deep.equal(['to', 'subject', 'text', 'sentAt']);
      expect(line).to.include({
        to: 'cene@example.si',
        subject: 'Reset your password',
        sentAt: '2026-03-01T10:00:00.000Z',
      });
      expect(line.text).to.include(`password/reset?token=${TOKEN}`);
      expect(await sink.recent(10, 'cene@example.si')).to.have.length(1);
      expect(await sink.recent(10, 'other@example.si')).to.have.length(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('delivers an activation code job, as the activation workflow enqueues it, to the development sink', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'activation-mail-'));
    try {
      const file = join(dir, 'dev-mail.jsonl');
      await start(createDevMailSink(file, () => new Date('2026-03-01T10:00:00Z')));
      const mailer = sealedActivationMailer({
        sealer,
        event: eventFactory({ producer: 'activation@test', catalog, clock: { now: () => new Date() } }),
      });
      const requestId = randomUUID();
      const job = mailer.activationCode(
        {
          accountId: randomUUID(),
          requestId,
          requestNumber: 'A-7KQ2M9XD',
          email: 'dana@example.si',
          code: '7KQ2-M9XD-4HTR',
          expiresAt: new Date('2026-03-16T10:00:00Z'),
          lang: 'sl',
        },
        { correlationId: requestId },
      );
      // The job as the outbox row holds it: neither the code nor the address in clear.
      expect(JSON.stringify(job)).not.to.include('7KQ2-M9XD-4HTR').and.not.to.include('dana@');
      await publishEnvelope(jetstream(nc), job, signer);
      const mailId = (job.data as { mailId: string }).mailId;
      const sent = await outcome(mailId);
      expect(sent.envelope.data).to.deep.equal({
        mailId,
        template: 'activation_code',
        transport: 'dev_sink',
        attempts: 1,
      });
      expect(JSON.stringify(sent.envelope)).not.to.include('7KQ2');
      const line = JSON.parse(readFileSync(file, 'utf8').trim()) as Record<string, string>;
      expect(line).to.include({ to: 'dana@example.si', subject: 'Vaša aktivacijska koda za smsPASS' });
      expect(line.text).to.include('7KQ2-M9XD-4HTR').and.include('A-7KQ2M9XD').and.include('2026-03-16');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
