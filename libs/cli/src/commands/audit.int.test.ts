import { expect } from 'chai';
import { setTimeout as delay } from 'node:timers/promises';
import { connect } from '@nats-io/transport-node';
import { applyEvent, initialStats, sampleJourneys, statsView } from '@idp/audit';
import {
  createTestSigner,
  catalog,
  ensureStreams,
  eventStreamSpec,
  jetstream,
  jetstreamManager,
  publishEnvelope,
  type JetStreamClient,
  type NatsConnection,
} from '@idp/events';
import { createLogger } from '@idp/observability';
import { privateNatsServer, uniqueName, waitFor, type PrivateServer } from '@idp/testing';
import type { CliContext } from '../context.js';
import { runCli } from '../program.js';

const log = createLogger({ service: 'cli-audit-test', level: 'silent' });

const signer = createTestSigner();

describe('cli idp audit over a real nats-server', function () {
  this.timeout(60_000);
  let server: PrivateServer;
  let nc: NatsConnection;
  let js: JetStreamClient;
  const prefix = `${uniqueName('T').toUpperCase()}_`;
  const stream = `${prefix}IDP_EVENTS`;
  const published = sampleJourneys({ events: 120, seed: 21, accounts: 4 });
  let boundary: Date;
  let badSeq: number;

  before(async () => {
    // Its own server: the stream needs the catalog's subjects, which the shared server's IDP_EVENTS may own.
    for (let attempt = 0; !server; attempt++) {
      const s = privateNatsServer(28_000 + Math.floor(Math.random() * 1000));
      try {
        await s.start();
        server = s;
      } catch (err) {
        await s.destroy();
        if (attempt >= 4) throw err;
      }
    }
    nc = await connect({ servers: server.url });
    js = jetstream(nc);
    await ensureStreams(await jetstreamManager(nc), [eventStreamSpec(catalog, { namePrefix: prefix })], log);
    for (const env of published.slice(0, 100)) await publishEnvelope(js, env, signer);
    await delay(50);
    boundary = new Date();
    await delay(50);
    for (const env of published.slice(100)) await publishEnvelope(js, env, signer);
    const bad = { ...published[1]!, id: '019a0000-0000-7000-8000-0000000000b1', data: { accountId: 42 } };
    badSeq = (await js.publish(bad.subject, new TextEncoder().encode(JSON.stringify(bad)))).seq;
  });
  after(async () => {
    await nc?.close();
    await server?.destroy();
  });

  function context(o: Partial<CliContext> = {}) {
    const out: string[] = [];
    const err: string[] = [];
    const ctx: CliContext = {
      out: (l) => out.push(l),
      err: (l) => err.push(l),
      readStdin: () => Promise.resolve(''),
      call: () => Promise.reject(new Error('audit commands make no requests')),
      natsUrl: server.url,
      correlationId: 'test',
      nats: () => Promise.resolve(nc),
      jetstream: async () => ({ js: jetstream(nc), jsm: await jetstreamManager(nc) }),
      isTTY: false,
      ...o,
    };
    return { ctx, out, err };
  }

  it('replay prints one JSON line per event and reports the misfit with its sequence and field, exiting 1', async () => {
    const c = context();
    expect(await runCli(['audit', 'replay', '--stream', stream], c.ctx)).to.equal(1);
    const lines = c.out.map((l) => JSON.parse(l) as { seq: number; envelope: unknown; problem?: unknown });
    expect(lines.map((l) => l.seq)).to.deep.equal(
      Array.from({ length: published.length + 1 }, (_, i) => i + 1),
    );
    expect(lines.slice(0, published.length).map((l) => l.envelope)).to.deep.equal(published);
    expect(lines.at(-1)!.problem).to.deep.include({ kind: 'invalid_data' });
    expect(c.err.join('\n')).to.match(
      new RegExp(`misfit seq ${badSeq} idp\\.account\\.created\\.v1: invalid_data: data\\.accountId`),
    );
    expect(c.err.join('\n')).to.include('1 event does not fit its schema');
  });

  it('--allow-invalid exits 0; a table has aligned columns', async () => {
    const c = context();
    expect(
      await runCli(
        [
          'audit',
          'replay',
          '--stream',
          stream,
          '--subject',
          'idp.saml.>',
          '--format',
          'table',
          '--allow-invalid',
        ],
        c.ctx,
      ),
    ).to.equal(0);
    const [header, ...rows] = c.out;
    expect(header).to.match(/^\s*SEQ\s+TIME \(UTC\)\s+SUBJECT\s+AGGREGATE\s+CORRELATION\s+DATA$/);
    const subjectAt = header!.indexOf('SUBJECT');
    expect(rows).to.have.length(published.filter((e) => e.subject.startsWith('idp.saml.')).length);
    for (const r of rows) expect(r.slice(subjectAt)).to.match(/^idp\.saml\./);
  });

  it('--since a time, --since a duration and --seq pick the start', async () => {
    const since = context();
    expect(
      await runCli(
        ['audit', 'replay', '--stream', stream, '--since', boundary.toISOString(), '--allow-invalid'],
        since.ctx,
      ),
    ).to.equal(0);
    expect(JSON.parse(since.out[0]!).seq).to.equal(101);
    const ago = context({ now: () => new Date(boundary.getTime() + 10 * 60_000) });
    expect(
      await runCli(['audit', 'replay', '--stream', stream, '--since', '10m', '--allow-invalid'], ago.ctx),
    ).to.equal(0);
    expect(JSON.parse(ago.out[0]!).seq).to.equal(101);
    const seq = context();
    expect(
      await runCli(
        ['audit', 'replay', '--stream', stream, '--seq', String(published.length), '--allow-invalid'],
        seq.ctx,
      ),
    ).to.equal(0);
    expect(seq.out.map((l) => JSON.parse(l).seq)).to.deep.equal([published.length, published.length + 1]);
  });

  it('stats prints the projection equal to the reducer over the published events', async () => {
    const c = context();
    expect(
      await runCli(
        [
          'audit',
          'stats',
          '--stream',
          stream,
          '--format',
          'json',
          '--period',
          'week',
          '--allow-invalid',
          '--seq',
          '1',
        ],
        c.ctx,
      ),
    ).to.equal(0);
    const view = JSON.parse(c.out.join('\n')) as ReturnType<typeof statsView>;
    const expected = statsView(published.reduce(applyEvent, initialStats()), 'week');
    expect(view).to.deep.equal(expected);
    expect(JSON.stringify(view)).not.to.include(published[0]!.aggregate.id);
    const table = context();
    expect(
      await runCli(['audit', 'stats', '--stream', stream, '--format', 'table', '--allow-invalid'], table.ctx),
    ).to.equal(0);
    expect(table.out.join('\n'))
      .to.include('Logins per e-service')
      .and.include('https://edavki.example.si/sp');
  });

  it('timeline shows one account with its logins per e-service', async () => {
    const account = published[0]!.aggregate.id;
    const c = context();
    expect(
      await runCli(
        [
          'audit',
          'timeline',
          '--stream',
          stream,
          '--account',
          account,
          '--format',
          'json',
          '--allow-invalid',
        ],
        c.ctx,
      ),
    ).to.equal(0);
    const t = JSON.parse(c.out.join('\n')) as {
      accountId: string;
      entries: { subject: string; category: string }[];
      logins: unknown[];
    };
    expect(t.accountId).to.equal(account);
    expect(t.entries[0]).to.deep.include({ subject: 'idp.account.created.v1', category: 'registration' });
    expect(t.logins).to.not.be.empty;
    const table = context();
    expect(
      await runCli(
        [
          'audit',
          'timeline',
          '--stream',
          stream,
          '--account',
          account,
          '--format',
          'table',
          '--allow-invalid',
        ],
        table.ctx,
      ),
    ).to.equal(0);
    expect(table.out.join('\n'))
      .to.include(`Timeline of account ${account}`)
      .and.include('Logins per e-service');
  });

  it('--follow prints an event published later and exits 0 on Ctrl-C', async () => {
    let stop: (() => void) | undefined;
    const c = context({ onInterrupt: (s) => ((stop = s), () => undefined) });
    const running = runCli(
      ['audit', 'replay', '--stream', stream, '--seq', String(badSeq + 1), '--follow'],
      c.ctx,
    );
    await waitFor('the follower to start', () => Promise.resolve(stop !== undefined), 5000, 20);
    await delay(200);
    const fresh = {
      ...sampleJourneys({ events: 1, seed: 77 })[0]!,
      id: '019a0000-0000-7000-8000-0000000000f1',
    };
    await publishEnvelope(js, fresh, signer);
    await waitFor('the new event on stdout', () => Promise.resolve(c.out.length === 1), 10_000, 20);
    expect(JSON.parse(c.out[0]!).envelope).to.deep.equal(fresh);
    stop!();
    expect(await running).to.equal(0);
    expect(c.err.join('\n')).to.include('(interrupted)');
  });

  it('exits 69 when the stream does not exist', async () => {
    const c = context();
    expect(await runCli(['audit', 'replay', '--stream', `${prefix}NOPE`], c.ctx)).to.equal(69);
    expect(c.err.join('\n')).to.include(`no stream ${prefix}NOPE`);
  });
});
