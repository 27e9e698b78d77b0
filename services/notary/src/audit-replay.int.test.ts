import { expect } from 'chai';
import { connect } from '@nats-io/transport-node';
import { sampleJourneys, type StatsPeriod, type StatsView } from '@idp/audit';
import { runCli, type CliContext } from '@idp/cli';
import {
  DomainError,
  catalog,
  connectNats,
  createRpcClient,
  createTestSigner,
  ensureStreams,
  eventStreamSpec,
  jetstream,
  jetstreamManager,
  notaryRpc,
  publishEnvelope,
  serveRpc,
  type Envelope,
  type JetStreamClient,
  type JetStreamManager,
  type NatsConnection,
  type NatsHandle,
  type RpcClient,
  type RpcServer,
} from '@idp/events';
import { createLogger, createMetricsRegistry } from '@idp/observability';
import { privateNatsServer, uniqueName, waitFor, type PrivateServer } from '@idp/testing';
import { listen, type HttpServer } from '@idp/web';
import { statsHandler } from './handlers/stats.js';
import { createOperatorApp } from './http/stats-page.js';
import { startStatsProjection, type StatsProjection } from './stats-projection.js';

const log = createLogger({ service: 'notary-stats-test', level: 'silent' });
const signer = createTestSigner();
const PERIODS: readonly StatsPeriod[] = ['day', 'week', 'month'];

/**
 * The audit-replay rule for the statistics: the live projection the notary keeps (replay at start,
 * then following, across a NATS restart) equals the statistics rebuilt from nothing by
 * `idp audit stats`. Its own nats-server: the stream needs the catalog's real subjects, and the
 * test restarts the server under the projection.
 */
describe('audit replay: live statistics equal the statistics rebuilt from the log', function () {
  this.timeout(60_000);
  let server: PrivateServer;
  let nc: NatsConnection;
  let js: JetStreamClient;
  let jsm: JetStreamManager;
  let handle: NatsHandle;
  let projection: StatsProjection;
  let rpcServer: RpcServer;
  let rpc: RpcClient;
  let http: HttpServer;
  const stream = `${uniqueName('T').toUpperCase()}_IDP_EVENTS`;
  const journeys = sampleJourneys({ events: 400, seed: 42, accounts: 12 });
  const atStart = journeys.slice(0, 250);
  const whileFollowing = journeys.slice(250, 320);
  const afterRestart = journeys.slice(320);

  /** Retried until JetStream takes it (it answers 503 for a moment after a restart); the msg id dedupes retries. */
  const publish = async (envs: readonly Envelope[]) => {
    for (const env of envs)
      await waitFor(`publish ${env.id}`, () => publishEnvelope(js, env, signer, 1000), 20_000, 100);
  };
  const lastStreamSeq = async () => (await jsm.streams.info(stream)).state.last_seq;

  before(async () => {
    for (let attempt = 0; !server; attempt++) {
      const s = privateNatsServer(27_000 + Math.floor(Math.random() * 1000));
      try {
        await s.start();
        server = s;
      } catch (err) {
        await s.destroy();
        if (attempt >= 4) throw err;
      }
    }
    nc = await connect({ servers: server.url, maxReconnectAttempts: -1, reconnectTimeWait: 100 });
    js = jetstream(nc);
    jsm = await jetstreamManager(nc);
    await ensureStreams(
      jsm,
      [eventStreamSpec(catalog, { namePrefix: stream.replace(/IDP_EVENTS$/, '') })],
      log,
    );
    await publish(atStart);
    // The projection's own connection, as in the service: reconnects forever.
    handle = await connectNats({ url: server.url, name: 'notary-stats-test', log });
  });
  after(async () => {
    await http?.close();
    await rpcServer?.stop();
    await projection?.stop();
    await handle?.nc.close();
    await nc?.close();
    await server?.destroy();
  });

  function cliContext() {
    const out: string[] = [];
    const err: string[] = [];
    const ctx: CliContext = {
      out: (l) => out.push(l),
      err: (l) => err.push(l),
      readStdin: () => Promise.resolve(''),
      call: () => Promise.reject(new Error('audit stats makes no requests')),
      natsUrl: server.url,
      correlationId: 'audit-replay-test',
      nats: () => Promise.resolve(nc),
      jetstream: () => Promise.resolve({ js, jsm }),
      isTTY: false,
    };
    return { ctx, out, err };
  }

  /** `idp audit stats --format json`: the statistics rebuilt from the first event. */
  async function rebuilt(period: StatsPeriod): Promise<StatsView> {
    const c = cliContext();
    const args = ['audit', 'stats', '--format', 'json', '--stream', stream, '--period', period];
    const status = await runCli([...args, '--allow-invalid'], c.ctx);
    expect(status, c.err.join('\n')).to.equal(0);
    expect(c.out).to.have.length(1);
    return JSON.parse(c.out[0]!) as StatsView;
  }

  it('is not ready and refuses the RPC with notary.catching_up until the start-up replay reached the end', async () => {
    const registry = createMetricsRegistry({ service: 'notary', instance: 'test' });
    projection = startStatsProjection({ nc: handle.nc, stream, log, registry, retryMs: 100 });
    // Synchronously after the start nothing can have been read yet.
    await projection.check().then(
      () => expect.fail('ready before catching up'),
      (err: Error) => expect(err.message).to.match(/^catching up/),
    );
    const ctx = { correlationId: 'c', deadline: Date.now() + 1000, log };
    await statsHandler(projection)
      .handle({ period: 'day' }, ctx)
      .then(
        () => expect.fail('answered before catching up'),
        (err: unknown) => {
          expect(err).to.be.instanceOf(DomainError);
          expect(err).to.include({ kind: 'unavailable', code: 'notary.catching_up' });
        },
      );

    await projection.caughtUp;
    await projection.check();
    expect(projection.lastSeq()).to.equal(atStart.length);
    rpcServer = serveRpc(handle.nc, [statsHandler(projection)], { service: 'notary', log, registry });
    rpc = createRpcClient(nc, { defaultTimeoutMs: 5000 });
    http = await listen(createOperatorApp({ projection, log }), {
      host: '127.0.0.1',
      port: 0,
      log,
      name: 'operator page',
    });
  });

  it('after following new events and a nats-server restart, the RPC equals `idp audit stats` for every period', async () => {
    await publish(whileFollowing.slice(0, 40));
    // An account.created that does not fit its schema: both sides must leave it out.
    const misfit = { ...journeys[0]!, id: '019a0000-0000-7000-8000-0000000000f1', data: { accountId: 7 } };
    await js.publish(misfit.subject, new TextEncoder().encode(JSON.stringify(misfit)));
    await publish(whileFollowing.slice(40));
    await waitFor('projection follows', async () => projection.lastSeq() === (await lastStreamSeq()));

    await server.stop('fast');
    await server.start();
    await publish(afterRestart);
    const last = await lastStreamSeq();
    expect(last).to.equal(journeys.length + 1);
    await waitFor('projection resumes after the restart', () => projection.lastSeq() === last, 30_000);
    await waitFor('ready again', () => projection.check().then(() => true));

    for (const period of PERIODS) {
      const { lastSeq, ...live } = await rpc.call(
        notaryRpc.stats,
        { period },
        { correlationId: `stats-${period}` },
      );
      expect(lastSeq).to.equal(last);
      expect(live, period).to.deep.equal(await rebuilt(period));
    }
    // Every published event counted once: none missed, none doubled across the restart.
    const { events, totalAccounts } = await rpc.call(notaryRpc.stats, {}, { correlationId: 'stats-default' });
    expect(events).to.equal(journeys.length);
    expect(totalAccounts).to.equal(journeys.filter((e) => e.subject === 'idp.account.created.v1').length);
  });

  it('serves the operator page over HTTP: CSP, the counts, and no personal data', async () => {
    const view = await rpc.call(notaryRpc.stats, { period: 'month' }, { correlationId: 'page' });
    const res = await fetch(`${http.url}/stats?period=month`);
    expect(res.status).to.equal(200);
    expect(res.headers.get('content-type')).to.match(/^text\/html/);
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).to.contain("default-src 'none'");
    expect(csp).to.contain("frame-ancestors 'none'");
    const html = await res.text();
    expect(html).to.contain(`Accounts in total: <strong>${view.totalAccounts}</strong>`);
    expect(html).to.contain(`(events counted: ${view.events})`);
    const row = view.rows[0]!;
    expect(html).to.contain(`<td>${row.period}</td><td class="num">${row.newAccounts}</td>`);
    // Counts only: no e-mail address, no account, session or journey id, no personal attribute.
    expect(html).not.to.match(/[\w.+-]+@[\w-]+\.[\w.-]+/);
    expect(html).not.to.match(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i);
    for (const env of journeys) expect(html).not.to.contain(env.correlationId);
    expect(html).not.to.match(/given_name|family_name|tax_number|Novak/i);

    const json = await fetch(`${http.url}/stats.json?period=month`);
    expect(json.status).to.equal(200);
    expect(await json.json()).to.deep.equal(view);

    const css = await fetch(`${http.url}/stats.css`);
    expect(css.status).to.equal(200);
    expect(css.headers.get('content-type')).to.match(/^text\/css/);

    const bad = await fetch(`${http.url}/stats?period=year`);
    expect(bad.status).to.equal(400);
    expect(await bad.json()).to.include({ code: 'notary.invalid_period' });
  });
});
