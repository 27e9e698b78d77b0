import { createPublicKey } from 'node:crypto';
import { expect } from 'chai';
import { connect } from '@nats-io/transport-node';
import type { NatsConnection } from '@nats-io/nats-core';
import { jetstream, jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import { z } from 'zod';
import { createLogger, createMetricsRegistry } from '@idp/observability';
import { findInfrastructure, uniqueName, waitFor } from '@idp/testing';
import { Catalog, catalog as baseCatalog } from './catalog.js';
import { defineEvent, defineJob, defineRpc } from './define.js';
import { DomainError } from './errors.js';
import { createRpcClient, rpcHandler, serveRpc } from './rpc.js';
import {
  ensureStreams,
  eventStreamSpec,
  streamSpecs,
  workQueueStreamSpec,
  type StreamSpec,
} from './streams.js';
import { buildEnvelope, createPublisher, publishEnvelope } from './publisher.js';
import { SIGNATURE_HEADER, createTestSigner, verifySignature } from './signing.js';
import { consume, on } from './consumer.js';
import { MessagingMessageDeadLetteredV1 } from './contracts/messaging.js';
import type { Envelope } from './envelope.js';

const log = createLogger({ service: 'test', level: 'silent' });
const ctx = { correlationId: 'corr-1' };
const signer = createTestSigner();

describe('events over a real nats-server', function () {
  let nc: NatsConnection;
  let jsm: JetStreamManager;
  const streams: string[] = [];

  before(async () => {
    nc = await connect({ servers: (await findInfrastructure()).natsUrl });
    jsm = await jetstreamManager(nc);
  });
  after(async () => {
    for (const s of streams) await jsm.streams.delete(s).catch(() => undefined);
    await nc.drain();
  });

  /** A catalog and audit stream of this test's own; deny_delete is lifted so `after` can clean up. */
  async function testStreams(defs: Parameters<typeof baseCatalog.with>[0]) {
    // Only this test's subjects: the machine's own IDP_EVENTS may already hold the real ones.
    const cat = new Catalog([MessagingMessageDeadLetteredV1, ...defs]);
    const prefix = uniqueName('T').toUpperCase() + '_';
    const specs: StreamSpec[] = streamSpecs(cat, { namePrefix: prefix, duplicateWindowMs: 60_000 }).map(
      (s) => ({
        ...s,
        subjects: s.subjects.map((subj) =>
          subj.startsWith('idp.messaging.') || subj === 'idp.dlq.>' ? `${prefix.toLowerCase()}${subj}` : subj,
        ),
      }),
    );
    await ensureStreams(jsm, specs, log);
    streams.push(...specs.map((s) => s.name));
    return { cat, prefix, specs };
  }

  describe('rpc', () => {
    const domain = uniqueName('t');
    const Echo = defineRpc(
      `idp.rpc.${domain}.echo.v1`,
      z.object({ text: z.string().max(10) }),
      z.object({ text: z.string(), by: z.string() }),
      'echo',
    );
    const Fail = defineRpc(`idp.rpc.${domain}.fail.v1`, z.object({}), z.object({}), 'fails');

    it('shares requests between two instances in one queue group and replies typed data', async () => {
      const registry = createMetricsRegistry({ service: domain, instance: 'x' });
      const servers = ['a', 'b'].map((by) =>
        serveRpc(nc, [rpcHandler(Echo, (req) => Promise.resolve({ text: req.text, by }))], {
          service: domain,
          log,
          registry,
        }),
      );
      await nc.flush();
      const client = createRpcClient(nc, { defaultTimeoutMs: 2000 });
      const answered = new Set<string>();
      for (let i = 0; i < 40; i++) {
        const r = await client.call(Echo, { text: `hi${i}` }, ctx);
        expect(r.text).to.equal(`hi${i}`);
        answered.add(r.by);
      }
      expect([...answered].sort()).to.deep.equal(['a', 'b']);
      await Promise.all(servers.map((s) => s.stop()));
    });

    it('returns a DomainError as a typed error reply and rejects an invalid request', async () => {
      const registry = createMetricsRegistry({ service: domain, instance: 'y' });
      const server = serveRpc(
        nc,
        [
          rpcHandler(Echo, (req) => Promise.resolve({ text: req.text, by: 'a' })),
          rpcHandler(Fail, () => Promise.reject(new DomainError('precondition', 'events.invalid_payload'))),
        ],
        { service: domain, log, registry },
      );
      await nc.flush();
      try {
        const client = createRpcClient(nc, { defaultTimeoutMs: 2000 });
        const failed = await client.call(Fail, {}, ctx).catch((e: unknown) => e);
        expect(failed)
          .to.be.instanceOf(DomainError)
          .and.include({ kind: 'precondition', code: 'events.invalid_payload' });
        // Bypass client-side validation to prove the server checks too.
        const raw = await nc.request(
          Echo.subject,
          new TextEncoder().encode(JSON.stringify({ text: 'far too long text' })),
          { timeout: 2000 },
        );
        expect(raw.headers?.get('Nats-Service-Error-Code')).to.equal('400');
        expect(JSON.parse(new TextDecoder().decode(raw.data))).to.deep.include({ ok: false });
        const metrics = await registry.metrics();
        expect(metrics).to.match(
          /idp_rpc_duration_seconds_count\{(?=[^}]*subject="[^"]+fail.v1")(?=[^}]*outcome="precondition")[^}]*\} 1/,
        );
      } finally {
        await server.stop();
      }
    });

    it('maps a subject nobody serves to unavailable/rpc.no_responders and a slow one to rpc.timeout', async () => {
      const client = createRpcClient(nc, { defaultTimeoutMs: 300 });
      const none = await client.call(Echo, { text: 'x' }, ctx).catch((e: unknown) => e);
      expect(none)
        .to.be.instanceOf(DomainError)
        .and.include({ kind: 'unavailable', code: 'rpc.no_responders' });
      const registry = createMetricsRegistry({ service: domain, instance: 'z' });
      const slow = serveRpc(
        nc,
        [rpcHandler(Echo, () => new Promise((r) => setTimeout(() => r({ text: '', by: 's' }), 1000)))],
        {
          service: domain,
          log,
          registry,
        },
      );
      await nc.flush();
      const late = await client.call(Echo, { text: 'x' }, ctx).catch((e: unknown) => e);
      expect(late).to.be.instanceOf(DomainError).and.include({ kind: 'unavailable', code: 'rpc.timeout' });
      await slow.stop();
    });

    it('finishes in-flight requests before stop() resolves', async () => {
      const registry = createMetricsRegistry({ service: domain, instance: 'w' });
      const server = serveRpc(
        nc,
        [
          rpcHandler(
            Echo,
            (req) => new Promise((r) => setTimeout(() => r({ text: req.text, by: 'slow' }), 300)),
          ),
        ],
        {
          service: domain,
          log,
          registry,
        },
      );
      await nc.flush();
      const client = createRpcClient(nc, { defaultTimeoutMs: 2000 });
      const pending = client.call(Echo, { text: 'inflight' }, ctx);
      await new Promise((r) => setTimeout(r, 50));
      await server.stop();
      expect((await pending).text).to.equal('inflight');
    });
  });

  describe('streams and publisher', () => {
    it('provisions the audit stream from the catalog idempotently and adds new subjects later', async () => {
      const domain = uniqueName('t');
      const A = defineEvent(`idp.${domain}.a_happened.v1`, z.object({ n: z.number() }), 'a');
      const B = defineEvent(`idp.${domain}.b_happened.v1`, z.object({ n: z.number() }), 'b');
      const name = uniqueName('T').toUpperCase();
      const first = { ...eventStreamSpec(baseCatalog.with([A]), {}), name, subjects: [A.subject] };
      await ensureStreams(jsm, [first], log);
      streams.push(name);
      await ensureStreams(jsm, [first], log);
      await ensureStreams(jsm, [{ ...first, subjects: [B.subject] }], log);
      const info = await jsm.streams.info(name);
      expect(info.config.subjects.sort()).to.deep.equal([A.subject, B.subject].sort());
      expect(info.config.deny_delete).to.equal(true);
      expect(info.config.storage).to.equal('file');
      const rpcSubjects = info.config.subjects.filter((s) => s.startsWith('idp.rpc.'));
      expect(rpcSubjects).to.deep.equal([]);
      const wq = workQueueStreamSpec('x', {});
      const refused = await ensureStreams(jsm, [{ ...wq, name, subjects: [`idp.${domain}.>`] }], log).catch(
        (e: unknown) => e,
      );
      expect(refused).to.be.instanceOf(Error).with.property('message').that.contains('retention');
    });

    it('stamps the envelope, sets Nats-Msg-Id and lets JetStream drop a republished duplicate', async () => {
      const domain = uniqueName('t');
      const Happened = defineEvent(
        `idp.${domain}.thing_happened.v1`,
        z.object({ n: z.number().int() }),
        'thing',
      );
      const { cat, specs } = await testStreams([Happened]);
      const js = jetstream(nc);
      const env = buildEnvelope(
        Happened,
        { aggregate: { type: 'thing', id: 't1' }, data: { n: 1 } },
        { correlationId: 'c-9', causationId: 'x' },
        {
          producer: 'test@0/1',
          catalog: cat,
        },
      );
      const first = await publishEnvelope(js, env, signer);
      const again = await publishEnvelope(js, env, signer);
      expect(first.duplicate).to.equal(false);
      expect(again.duplicate).to.equal(true);
      const stored = (await jsm.streams.getMessage(specs[0]!.name, { seq: first.seq }))!;
      expect(stored.header.get('Nats-Msg-Id')).to.equal(env.id);
      expect(stored.header.get('idp-correlation-id')).to.equal('c-9');
      // Signed over the exact stored bytes, by the key the header names.
      expect(stored.header.get(SIGNATURE_HEADER.keyId)).to.equal(signer.keyId);
      expect(
        verifySignature(
          createPublicKey(signer.publicKeyPem),
          stored.data,
          stored.header.get(SIGNATURE_HEADER.signature),
        ),
      ).to.equal(true);
      expect(new TextDecoder().decode(stored.data)).to.equal(JSON.stringify(env));
      const body = stored.json<Envelope>();
      expect(body).to.include({
        subject: Happened.subject,
        correlationId: 'c-9',
        causationId: 'x',
        producer: 'test@0/1',
      });
      expect(body.id).to.match(/^[0-9a-f]{8}-[0-9a-f]{4}-7/);
      const publisher = createPublisher(js, { producer: 'p', catalog: cat, signer });
      const bad = await publisher
        .publish(Happened, { aggregate: { type: 't', id: '1' }, data: { n: 1.5 } }, ctx)
        .catch((e: unknown) => e);
      expect(bad).to.be.instanceOf(DomainError).and.include({ code: 'events.invalid_payload' });
    });
  });

  describe('durable consumer', () => {
    it('acks handled events, retries a failing handler with backoff and skips a duplicate id', async () => {
      const domain = uniqueName('t');
      const Happened = defineEvent(
        `idp.${domain}.thing_happened.v1`,
        z.object({ n: z.number().int() }),
        'thing',
      );
      const { cat, specs } = await testStreams([Happened]);
      const js = jetstream(nc);
      const publisher = createPublisher(js, { producer: 'p', catalog: cat, signer });
      const seen: { n: number; attempt: number; at: number }[] = [];
      const registry = createMetricsRegistry({ service: 't', instance: '1' });
      const running = await consume(js, jsm, {
        stream: specs[0]!.name,
        durable: 'projector',
        filterSubject: `idp.${domain}.>`,
        catalog: cat,
        publisher,
        log,
        registry,
        maxAttempts: 3,
        backoffMs: [200, 400],
        handlers: [
          on(Happened, (env, c) => {
            seen.push({ n: env.data.n, attempt: c.attempt, at: Date.now() });
            if (env.data.n === 2 && c.attempt < 2) return Promise.reject(new Error('transient'));
            return Promise.resolve();
          }),
        ],
      });
      const one = buildEnvelope(Happened, { aggregate: { type: 't', id: '1' }, data: { n: 1 } }, ctx, {
        producer: 'p',
        catalog: cat,
      });
      await publishEnvelope(js, one, signer);
      await publisher.publish(Happened, { aggregate: { type: 't', id: '2' }, data: { n: 2 } }, ctx);
      // Same envelope id, outside the dedupe window's reach (a different msg id): the consumer must skip it.
      await js.publish(Happened.subject, new TextEncoder().encode(JSON.stringify(one)), {
        msgID: `${one.id}-replay`,
      });
      await waitFor('n=2 to succeed on its second attempt', () =>
        seen.some((s) => s.n === 2 && s.attempt === 2),
      );
      await new Promise((r) => setTimeout(r, 300));
      expect(seen.filter((s) => s.n === 1)).to.have.length(1);
      const twos = seen.filter((s) => s.n === 2);
      expect(twos.map((s) => s.attempt)).to.deep.equal([1, 2]);
      expect(twos[1]!.at - twos[0]!.at).to.be.at.least(180);
      await waitFor(
        'all acked',
        async () => (await jsm.consumers.info(specs[0]!.name, 'projector')).num_ack_pending === 0,
      );
      expect(await registry.metrics()).to.match(
        /idp_messages_consumed_total\{(?=[^}]*consumer="projector")(?=[^}]*outcome="duplicate")[^}]*\} 1/,
      );
      await running.stop();
    });

    it('dead-letters after the last attempt with an event, and copies a dead job to the dead-letter queue', async () => {
      const domain = uniqueName('t');
      const Job = defineJob(`idp.work.${domain}.send.v1`, z.object({ to: z.string() }), 'job');
      const { cat, specs, prefix } = await testStreams([Job]);
      const js = jetstream(nc);
      const workStream = specs.find((s) => s.subjects[0] === `idp.work.${domain}.>`)!;
      // The dead-letter event goes to this test's copy of the messaging subject.
      const lower = prefix.toLowerCase();
      const deadLettered: Envelope[] = [];
      const sub = nc.subscribe(`${lower}idp.messaging.>`);
      const publisher = {
        publish: (
          def: Parameters<ReturnType<typeof createPublisher>['publish']>[0],
          input: Parameters<ReturnType<typeof createPublisher>['publish']>[1],
          c: typeof ctx,
        ) => {
          const env = buildEnvelope(def, input, c, { producer: 'p', catalog: cat });
          deadLettered.push(env as Envelope);
          return js.publish(`${lower}${env.subject}`, new TextEncoder().encode(JSON.stringify(env)), {
            msgID: env.id,
          });
        },
      };
      let attempts = 0;
      const running = await consume(js, jsm, {
        stream: workStream.name,
        durable: 'worker',
        filterSubject: Job.subject,
        catalog: cat,
        publisher,
        log,
        registry: createMetricsRegistry({ service: 't', instance: '2' }),
        maxAttempts: 3,
        backoffMs: [50],
        deadLetterSubject: `${lower}idp.dlq.${domain}`,
        handlers: [
          on(
            Job,
            () => (
              attempts++,
              Promise.reject(Object.assign(new Error('provider 503'), { code: 'sms.provider_unavailable' }))
            ),
          ),
        ],
      });
      const pub = createPublisher(js, { producer: 'p', catalog: cat, signer });
      await pub.publish(
        Job,
        { aggregate: { type: 'sms', id: 's1' }, data: { to: '+38640123456' } },
        { correlationId: 'corr-dlq' },
      );
      await waitFor('dead-letter event', () => deadLettered.length > 0);
      expect(attempts).to.equal(3);
      const event = deadLettered[0]!;
      expect(event.subject).to.equal(MessagingMessageDeadLetteredV1.subject);
      expect(event.correlationId).to.equal('corr-dlq');
      expect(event.data).to.include({
        consumer: 'worker',
        deliveries: 3,
        reason: 'handler_failed',
        error: 'sms.provider_unavailable',
        subject: Job.subject,
      });
      expect(JSON.stringify(event.data)).not.to.contain('+38640123456');
      const dlq = specs.find((s) => s.name.endsWith('IDP_DEAD_LETTERS'))!;
      await waitFor(
        'job copied to the dead-letter queue',
        async () => (await jsm.streams.info(dlq.name)).state.messages === 1,
      );
      await waitFor(
        'work queue emptied',
        async () => (await jsm.streams.info(workStream.name)).state.messages === 0,
      );
      sub.unsubscribe();
      await running.stop();
    });

    it('dead-letters a message that is not an envelope instead of redelivering it forever', async () => {
      const domain = uniqueName('t');
      const Happened = defineEvent(`idp.${domain}.thing_happened.v1`, z.object({ n: z.number() }), 'thing');
      const { cat, specs } = await testStreams([Happened]);
      const js = jetstream(nc);
      const dead: unknown[] = [];
      let handled = 0;
      const running = await consume(js, jsm, {
        stream: specs[0]!.name,
        durable: 'strict',
        filterSubject: `idp.${domain}.>`,
        catalog: cat,
        publisher: {
          publish: (_d, input) => (
            dead.push(input.data),
            Promise.resolve({ seq: 0, duplicate: false, stream: '', domain: '' })
          ),
        },
        log,
        registry: createMetricsRegistry({ service: 't', instance: '3' }),
        handlers: [on(Happened, () => (handled++, Promise.resolve()))],
      });
      await js.publish(Happened.subject, new TextEncoder().encode('{"not":"an envelope"}'));
      await waitFor('poison message dead-lettered', () => dead.length === 1);
      expect(dead[0]).to.include({ reason: 'invalid_envelope', deliveries: 1 });
      expect(handled).to.equal(0);
      await running.stop();
    });
  });
});
