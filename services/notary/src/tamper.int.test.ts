import { expect } from 'chai';
import { z } from 'zod';
import { connect } from '@nats-io/transport-node';
import { headers as natsHeaders, type NatsConnection } from '@nats-io/nats-core';
import { jetstream, jetstreamManager, type JetStreamClient, type JetStreamManager } from '@nats-io/jetstream';
import {
  parseTrust,
  readStream,
  sealOnce,
  verifyAuditLog,
  type StoredMessage,
  type Trust,
  type VerifyReport,
} from '@idp/audit';
import {
  Catalog,
  SIGNATURE_HEADER,
  createPublisher,
  createTestSigner,
  defineEvent,
  defineSeal,
  ensureStreams,
  eventStreamSpec,
  sealStreamSpec,
  SealCheckpointV1,
  type StreamSpec,
} from '@idp/events';
import { createLogger, createMetricsRegistry } from '@idp/observability';
import { findInfrastructure, uniqueName, waitFor } from '@idp/testing';
import { startNotary } from './notary.js';

const log = createLogger({ service: 'test', level: 'silent' });
const producer = createTestSigner();
const notaryKey = createTestSigner();
const stranger = createTestSigner();
const trust: Trust = parseTrust(
  JSON.stringify({
    version: 1,
    keys: [
      { keyId: producer.keyId, service: 'accounts', publicKey: producer.publicKeyPem, role: 'producer' },
      { keyId: notaryKey.keyId, service: 'notary', publicKey: notaryKey.publicKeyPem, role: 'notary' },
    ],
  }),
);

describe('notary and audit verify over a real nats-server', function () {
  let nc: NatsConnection;
  let js: JetStreamClient;
  let jsm: JetStreamManager;
  const streams: string[] = [];

  before(async () => {
    nc = await connect({ servers: (await findInfrastructure()).natsUrl });
    js = jetstream(nc);
    jsm = await jetstreamManager(nc);
  });
  after(async () => {
    for (const s of streams) await jsm.streams.delete(s).catch(() => undefined);
    await nc.drain();
  });

  /** An audit log and seals stream of this test's own, holding `count` signed events. */
  async function auditLog(count: number) {
    const domain = uniqueName('t');
    const Happened = defineEvent(`idp.${domain}.thing_happened.v1`, z.object({ n: z.number() }), 'test');
    const Seal = defineSeal(`idp.seal.${domain}_checkpoint.v1`, SealCheckpointV1.schema, 'test');
    const cat = new Catalog([Happened, Seal]);
    const prefix = `${domain.toUpperCase()}_`;
    const events: StreamSpec = eventStreamSpec(cat, { namePrefix: prefix });
    const seals: StreamSpec = sealStreamSpec(cat, { namePrefix: prefix });
    await ensureStreams(jsm, [events, seals], log);
    streams.push(events.name, seals.name);
    const publisher = createPublisher(js, { producer: 'accounts@test/1', catalog: cat, signer: producer });
    const publish = async (n: number) =>
      publisher.publish(
        Happened,
        { aggregate: { type: 'thing', id: `t${n}` }, data: { n } },
        { correlationId: 'c' },
      );
    for (let n = 1; n <= count; n++) await publish(n);
    const sealer = {
      js,
      jsm,
      eventsStream: events.name,
      sealsStream: seals.name,
      subject: Seal.subject,
      signer: notaryKey,
      notary: 'notary@test/1',
      maxEventsPerCheckpoint: 4,
    };
    return {
      events,
      seals,
      Happened,
      publish,
      sealer,
      seal: () => sealOnce(sealer),
      verify: (workers = 0): Promise<VerifyReport> =>
        verifyAuditLog({ js, jsm, trust, eventsStream: events.name, sealsStream: seals.name, workers }),
      /**
       * What a rogue operator with stream admin rights does to delete through the API. nats-server
       * refuses to lift deny_delete by a config update ("can not cancel deny message deletes"), so
       * the stream is recreated as an identical copy without it: same messages, same numbers.
       */
      allowDelete: async (stream: StreamSpec = events) =>
        rewrite(stream, (msgs) => msgs, { deny_delete: false }),
      /** Rewrites history: recreate the stream and republish (signature headers kept) what `edit` returns. */
      rewrite: (edit: (msgs: StoredMessage[]) => StoredMessage[]) => rewrite(events, edit),
    };
  }

  async function rewrite(
    spec: StreamSpec,
    edit: (msgs: StoredMessage[]) => StoredMessage[],
    change: Partial<StreamSpec> = {},
  ) {
    const all: StoredMessage[] = [];
    for await (const m of readStream(js, jsm, spec.name, { fromSeq: 1 })) all.push(m);
    await jsm.streams.delete(spec.name);
    await ensureStreams(jsm, [{ ...spec, ...change }], log);
    for (const m of edit(all)) {
      const h = natsHeaders();
      if (m.signature) h.set(SIGNATURE_HEADER.signature, m.signature);
      if (m.keyId) h.set(SIGNATURE_HEADER.keyId, m.keyId);
      await js.publish(m.subject, m.data, { headers: h });
    }
  }

  const named = (r: VerifyReport) => r.findings.map((f) => [f.kind, f.seq, ...(f.toSeq ? [f.toSeq] : [])]);

  it('seals the log in capped, chained checkpoints, and verify finds it intact', async () => {
    const t = await auditLog(10);
    const registry = createMetricsRegistry({ service: 'notary', instance: 't' });
    const notary = startNotary({ ...t.sealer, intervalMs: 50, log, registry });
    try {
      // 10 events, at most 4 per checkpoint: 1-4, 5-8, 9-10.
      await waitFor(
        'three checkpoints',
        async () => (await jsm.streams.info(t.seals.name)).state.messages === 3,
      );
    } finally {
      await notary.stop();
    }
    const r = await t.verify(2);
    expect(r.findings).to.deep.equal([]);
    expect(r).to.include({ intact: true, events: 10, checkpoints: 3, sealedThrough: 10, lastSeq: 10 });
    expect(r.unsealed.count).to.equal(0);
    expect(r.eventsPerSecond).to.be.greaterThan(0);

    // Signed events after the last checkpoint are reported, but are not a failure.
    await t.publish(11);
    const later = await t.verify();
    expect(later).to.include({ intact: true, sealedThrough: 10 });
    expect(later.unsealed).to.deep.equal({ count: 1, fromSeq: 11 });
  });

  it('never seals one range twice when two notaries race', async () => {
    const t = await auditLog(3);
    const outcomes = await Promise.all([t.seal(), t.seal(), t.seal()]);
    expect(outcomes.filter((o) => o.kind === 'sealed')).to.have.length(1);
    expect((await jsm.streams.info(t.seals.name)).state.messages).to.equal(1);
    expect(await t.seal()).to.deep.include({ kind: 'nothing_new', sealedThrough: 3 });
    expect((await t.verify()).intact).to.equal(true);
  });

  it('names a message deleted through the JetStream API as missing', async () => {
    const t = await auditLog(6);
    await t.seal();
    await t.seal();
    await t.allowDelete();
    expect(await jsm.streams.deleteMessage(t.events.name, 3)).to.equal(true);
    const r = await t.verify();
    expect(r.intact).to.equal(false);
    expect(named(r)).to.deep.equal([['missing', 3]]);
    expect(r.findings[0]!.detail).to.match(/sealed by the notary, now gone/);
  });

  it('names a deleted message that was not sealed yet as missing too', async () => {
    const t = await auditLog(3);
    await t.seal();
    await t.publish(4);
    await t.publish(5);
    await t.allowDelete();
    await jsm.streams.deleteMessage(t.events.name, 4);
    await jsm.streams.deleteMessage(t.events.name, 5);
    expect(named(await t.verify())).to.deep.equal([['missing', 4, 5]]);
    // The notary seals the hole as a gap, and verify keeps naming it.
    await t.seal();
    expect(named(await t.verify())).to.deep.equal([['missing', 4, 5]]);
  });

  it('names an altered message (history rewritten, signature headers kept)', async () => {
    const t = await auditLog(5);
    await t.seal();
    await t.seal();
    await t.rewrite((msgs) =>
      msgs.map((m) =>
        m.seq === 4
          ? {
              ...m,
              data: new TextEncoder().encode(new TextDecoder().decode(m.data).replace('"n":4', '"n":40')),
            }
          : m,
      ),
    );
    const r = await t.verify();
    expect(r.intact).to.equal(false);
    expect(named(r)).to.deep.equal([
      ['bad_signature', 4],
      ['altered', 4],
    ]);
  });

  it('names forged events: unsigned, and signed by a key outside the trust file', async () => {
    const t = await auditLog(3);
    await t.seal();
    await js.publish(t.Happened.subject, new TextEncoder().encode('{"forged":true}'));
    const foreign = createPublisher(js, {
      producer: 'accounts@evil/1',
      catalog: new Catalog([t.Happened]),
      signer: stranger,
    });
    await foreign.publish(
      t.Happened,
      { aggregate: { type: 'thing', id: 'x' }, data: { n: 99 } },
      { correlationId: 'c' },
    );
    const r = await t.verify();
    expect(named(r)).to.deep.equal([
      ['unsigned', 4],
      ['unknown_key', 5],
    ]);
    expect(r.unsealed).to.deep.equal({ count: 2, fromSeq: 4 });

    // Forged into sealed history instead: the later events move, and each is named.
    const u = await auditLog(4);
    await u.seal();
    await u.rewrite((msgs) => [
      msgs[0]!,
      { seq: 0, subject: u.Happened.subject, data: new TextEncoder().encode('{"forged":true}') },
      ...msgs.slice(1),
    ]);
    expect(named(await u.verify())).to.deep.equal([
      ['unsigned', 2],
      ['altered', 2],
      ['reordered', 3],
      ['reordered', 4],
    ]);
  });

  it('names two swapped events as reordered', async () => {
    const t = await auditLog(5);
    await t.seal();
    await t.seal();
    await t.rewrite((msgs) => [msgs[0]!, msgs[3]!, msgs[2]!, msgs[1]!, msgs[4]!]);
    const r = await t.verify();
    expect(named(r)).to.deep.equal([
      ['reordered', 2],
      ['reordered', 4],
    ]);
    expect(r.findings[0]!.detail).to.match(/sealed at seq 4, found at seq 2/);
  });

  it('names a deleted checkpoint and the broken link after it', async () => {
    const t = await auditLog(8);
    for (let i = 0; i < 2; i++) await t.seal();
    await t.allowDelete(t.seals);
    await jsm.streams.deleteMessage(t.seals.name, 1);
    const r = await t.verify();
    expect(r.intact).to.equal(false);
    expect(r.findings.filter((f) => f.stream === t.seals.name).map((f) => [f.kind, f.seq])).to.deep.equal([
      ['missing', 1],
      ['chain_broken', 2],
    ]);
  });
});
