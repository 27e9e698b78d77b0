import { expect } from 'chai';
import { setTimeout as delay } from 'node:timers/promises';
import { connect } from '@nats-io/transport-node';
import { headers as natsHeaders, type NatsConnection } from '@nats-io/nats-core';
import {
  createTestSigner,
  catalog,
  ensureStreams,
  eventStreamSpec,
  jetstream,
  jetstreamManager,
  publishEnvelope,
  type Envelope,
  type JetStreamClient,
} from '@idp/events';
import { createLogger } from '@idp/observability';
import { privateNatsServer, uniqueName, type PrivateServer } from '@idp/testing';
import { compileFilter, isAboutAccount, subjectMatches } from './filters.js';
import { replay, replayAll } from './replay.js';
import { sampleJourneys } from './replay-fixtures.js';
import type { ReplayedEvent } from './replay-validate.js';
import { applyEvent, initialStats, statsView } from './stats.js';
import { buildTimeline, collectTimeline } from './timeline.js';

const log = createLogger({ service: 'audit-test', level: 'silent' });
const encoder = new TextEncoder();

/** A nats-server of this file's own: the audit stream needs the real catalog subjects, which the shared server's IDP_EVENTS may own. */
async function startServer(): Promise<PrivateServer> {
  for (let attempt = 0; ; attempt++) {
    const server = privateNatsServer(28_000 + Math.floor(Math.random() * 1000));
    try {
      await server.start();
      return server;
    } catch (err) {
      await server.destroy();
      if (attempt >= 4) throw err;
    }
  }
}

/** The published list as replay would hand it out, for computing expectations without the server. */
const asReplayed = (envs: Envelope[], firstSeq = 1): ReplayedEvent[] =>
  envs.map((envelope, i) => ({
    seq: firstSeq + i,
    time: new Date(envelope.occurredAt),
    subject: envelope.subject,
    headers: undefined,
    body: encoder.encode(JSON.stringify(envelope)),
    envelope,
    problem: undefined,
  }));

const signer = createTestSigner();

describe('audit replay over a real nats-server', function () {
  this.timeout(60_000);
  let server: PrivateServer;
  let nc: NatsConnection;
  let js: JetStreamClient;
  const stream = `${uniqueName('T').toUpperCase()}_IDP_EVENTS`;
  const LEGACY = 'idp.legacy.thing_happened.v1';
  const early = sampleJourneys({ events: 200, seed: 7, accounts: 6 });
  const late = sampleJourneys({
    events: 100,
    seed: 8,
    accounts: 6,
    from: new Date('2026-11-20T08:00:00Z'),
  }).slice(6);
  const published = [...early, ...late];
  let boundary: Date;
  let misfitSeqs: number[];

  before(async () => {
    server = await startServer();
    nc = await connect({ servers: server.url });
    js = jetstream(nc);
    const spec = eventStreamSpec(catalog, { namePrefix: stream.replace(/IDP_EVENTS$/, '') });
    // One subject outside the catalog, as an event type retired without its schema would be.
    await ensureStreams(await jetstreamManager(nc), [{ ...spec, subjects: [...spec.subjects, LEGACY] }], log);
    for (const env of early) await publishEnvelope(js, env, signer);
    await delay(50);
    boundary = new Date();
    await delay(50);
    for (const env of late) await publishEnvelope(js, env, signer);
    // Three misfits at the end: bad data, not JSON, a subject the catalog does not know.
    const bad = { ...published[0]!, id: '019a0000-0000-7000-8000-00000000bad1', data: { accountId: 'nope' } };
    const a = await js.publish(bad.subject, encoder.encode(JSON.stringify(bad)));
    const b = await js.publish('idp.otp.sms_sent.v1', encoder.encode('{not json'));
    const legacy = { ...published[0]!, id: '019a0000-0000-7000-8000-00000000bad2', subject: LEGACY };
    const c = await js.publish(LEGACY, encoder.encode(JSON.stringify(legacy)), {
      headers: (() => {
        const h = natsHeaders();
        h.set('Idp-Signature', 'sig');
        return h;
      })(),
    });
    misfitSeqs = [a.seq, b.seq, c.seq];
  });
  after(async () => {
    await nc?.close();
    await server?.destroy();
  });

  it('replays everything in stream order with the envelopes as published, and reports the misfits', async () => {
    const events = await replayAll(nc, { stream });
    expect(events.map((e) => e.seq)).to.deep.equal(
      Array.from({ length: published.length + 3 }, (_, i) => i + 1),
    );
    expect(events.slice(0, published.length).map((e) => e.envelope)).to.deep.equal(published);
    expect(events.slice(0, published.length).every((e) => e.problem === undefined)).to.equal(true);
    const misfits = events.filter((e) => e.problem);
    expect(misfits.map((e) => [e.seq, e.problem!.kind])).to.deep.equal([
      [misfitSeqs[0], 'invalid_data'],
      [misfitSeqs[1], 'not_json'],
      [misfitSeqs[2], 'unknown_subject'],
    ]);
    expect(misfits[0]!.problem!.issues.join()).to.contain('data.accountId');
    expect(misfits[2]!.headers?.get('Idp-Signature')).to.equal('sig');
    expect(new TextDecoder().decode(events[0]!.body)).to.equal(JSON.stringify(published[0]));
  });

  it('starts at a stream sequence', async () => {
    const events = await replayAll(nc, { stream, start: { kind: 'seq', seq: 250 } });
    expect(events[0]!.seq).to.equal(250);
    expect(events).to.have.length(published.length + 3 - 249);
  });

  it('starts at a stored time', async () => {
    const events = await replayAll(nc, { stream, start: { kind: 'time', time: boundary } });
    expect(events[0]!.seq).to.equal(early.length + 1);
    expect(events.filter((e) => !e.problem).map((e) => e.envelope)).to.deep.equal(late);
  });

  it('ends at once when nothing lies past the start', async () => {
    expect(await replayAll(nc, { stream, start: { kind: 'seq', seq: 10_000 } })).to.deep.equal([]);
    expect(
      await replayAll(nc, { stream, filter: { subjects: ['idp.account.temporarily_locked.v1'] } }),
    ).to.deep.equal([]);
  });

  it('filters by one subject pattern on the server and by several on the client', async () => {
    const one = await replayAll(nc, { stream, filter: { subjects: ['idp.saml.>'] } });
    expect(one.map((e) => e.envelope)).to.deep.equal(
      published.filter((e) => subjectMatches('idp.saml.>', e.subject)),
    );
    const two = await replayAll(nc, {
      stream,
      filter: { subjects: ['idp.otp.sms_sent.v1', 'idp.account.*.v1'] },
    });
    const expected = published.filter(
      (e) => e.subject === 'idp.otp.sms_sent.v1' || subjectMatches('idp.account.*.v1', e.subject),
    );
    // The unreadable body on idp.otp.sms_sent.v1 and the bad account event are shown, not hidden.
    expect(two.filter((e) => !e.problem).map((e) => e.envelope)).to.deep.equal(expected);
    expect(two.filter((e) => e.problem).map((e) => e.seq)).to.deep.equal(misfitSeqs.slice(0, 2));
  });

  it('filters by account, e-service and correlation id', async () => {
    const account = early[0]!.aggregate.id;
    const sp = 'https://zdravstvo.example.si/saml';
    const corr = published.find((e) => e.subject === 'idp.session.started.v1')!.correlationId;
    for (const filter of [
      { account },
      { eservice: sp },
      { correlationId: corr },
      { account, eservice: sp },
    ]) {
      const got = (await replayAll(nc, { stream, filter })).filter((e) => e.envelope && !e.problem);
      const want = asReplayed(published).filter(compileFilter(filter));
      expect(
        got.map((e) => e.envelope),
        JSON.stringify(filter),
      ).to.deep.equal(want.map((e) => e.envelope));
      expect(got.length, JSON.stringify(filter)).to.be.greaterThan(0);
    }
    const byAccount = await replayAll(nc, { stream, filter: { account } });
    expect(byAccount.filter((e) => e.envelope).every((e) => isAboutAccount(e.envelope!, account))).to.equal(
      true,
    );
  });

  it('follows: an event published after the replay caught up arrives, and aborting ends the iteration', async () => {
    const info = await (await jetstreamManager(nc)).streams.info(stream);
    const ac = new AbortController();
    const fresh = sampleJourneys({ events: 1, seed: 99 })[0]!;
    const seen: ReplayedEvent[] = [];
    const following = (async () => {
      for await (const e of replay(nc, {
        stream,
        follow: true,
        signal: ac.signal,
        start: { kind: 'seq', seq: info.state.last_seq },
      })) {
        seen.push(e);
        if (seen.length === 1)
          await publishEnvelope(js, { ...fresh, id: '019a0000-0000-7000-8000-0000000f0110' }, signer);
        if (seen.length === 2) ac.abort();
      }
    })();
    await following;
    expect(seen.map((e) => e.seq)).to.deep.equal([info.state.last_seq, info.state.last_seq + 1]);
    expect(seen[1]!.envelope!.subject).to.equal(fresh.subject);
  });

  it('builds the same statistics from the replay as from applying the reducer to the published list', async () => {
    const fromList = published.reduce(applyEvent, initialStats());
    const fromReplay = initialStats();
    for await (const e of replay(nc, { stream, untilSeq: published.length }))
      if (!e.problem) applyEvent(fromReplay, e.envelope!);
    expect(statsView(fromReplay, 'day')).to.deep.equal(statsView(fromList, 'day'));
    expect(statsView(fromReplay, 'month')).to.deep.equal(statsView(fromList, 'month'));
    expect(statsView(fromList, 'day').rows.length).to.be.greaterThan(1);
  });

  it('collects a timeline equal to the one built from the published list, with the correlated SAML requests', async () => {
    const account = early[1]!.aggregate.id;
    const { timeline } = await collectTimeline(nc, account, { stream, untilSeq: published.length });
    expect(timeline).to.deep.equal(buildTimeline(account, asReplayed(published)));
    expect(
      timeline.entries.some(
        (e) => e.via === 'correlation' && e.subject === 'idp.saml.authn_request_received.v1',
      ),
    ).to.equal(true);
    expect(timeline.logins.length).to.be.greaterThan(0);
  });
});
