import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { setTimeout as delay } from 'node:timers/promises';
import { expect } from 'chai';
import pg from 'pg';
import { connect } from '@nats-io/transport-node';
import {
  createTestSigner,
  jetstream,
  jetstreamManager,
  type Envelope,
  type JetStreamClient,
  type JetStreamManager,
  type NatsConnection,
  type StreamSpec,
} from '@idp/events';
import { Registry } from '@idp/observability';
import { sql, type Migration } from 'kysely';
import { createDatabase, type Database } from './database.js';
import { migrate } from './migrate.js';
import { enqueue, enqueueUnless, outboxMigrations, pgIdempotencyStore, processOnce } from './outbox.js';
import { relayLockKey, startOutboxRelay, type OutboxRelay, type OutboxRelayOptions } from './relay.js';
import {
  databaseUrl,
  eventually,
  natsUrl,
  readStream,
  testEvents,
  testLog,
  uniqueSchema,
} from './__fixtures__/harness.js';

const packageDir = fileURLToPath(new URL('..', import.meta.url));
const crashingRelay = fileURLToPath(new URL('./__fixtures__/crashing-relay.ts', import.meta.url));
const signer = createTestSigner();

async function metric(registry: Registry, name: string): Promise<number> {
  const m = registry.getSingleMetric(name);
  if (!m) return 0;
  return (await m.get()).values.reduce((sum, v) => sum + v.value, 0);
}

describe('db outbox against real PostgreSQL and JetStream', function () {
  let nc: NatsConnection;
  let js: JetStreamClient;
  let jsm: JetStreamManager;
  // Run after each test, last registered first: relays stop before their schema is dropped.
  let cleanups: (() => Promise<unknown>)[] = [];

  before(async () => {
    nc = await connect({ servers: natsUrl });
    js = jetstream(nc);
    jsm = await jetstreamManager(nc);
  });
  afterEach(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
    cleanups = [];
  });
  after(async () => {
    await nc.drain();
  });

  /** A migrated schema and a stream for one test, both removed after it. */
  async function setup(o: { createStream?: boolean } = {}) {
    const schema = uniqueSchema('outbox');
    const events = testEvents();
    const instances: Database[] = [];
    const open = () => {
      const d = createDatabase({
        connectionString: databaseUrl,
        schema,
        log: testLog,
        applicationName: `idp-test-${schema}`,
      });
      instances.push(d);
      return d;
    };
    const database = open();
    cleanups.push(async () => {
      await sql`DROP SCHEMA IF EXISTS ${sql.id(schema)} CASCADE`.execute(database.db);
      for (const d of instances) await d.close();
      await jsm.streams.delete(events.stream.name).catch(() => undefined);
    });
    await migrate({ db: database.db, schema, migrations: outboxMigrations, log: testLog });
    const createStream = async (spec: StreamSpec = events.stream) => {
      await jsm.streams.add(spec);
    };
    if (o.createStream !== false) await createStream();

    return {
      schema,
      events,
      database,
      createStream,
      /** A second service instance: its own pool on the same schema. */
      openInstance: open,
      commit: (envelopes: Envelope[]) => database.db.transaction().execute((trx) => enqueue(trx, envelopes)),
      unpublished: async () => {
        const r = await sql<{
          n: string;
        }>`SELECT count(*) AS n FROM outbox WHERE published_at IS NULL`.execute(database.db);
        return Number(r.rows[0]?.n);
      },
      stored: () => readStream(jsm, events.stream.name),
      relay: (extra: Partial<OutboxRelayOptions> = {}): { relay: OutboxRelay; registry: Registry } => {
        const registry = new Registry();
        const relay = startOutboxRelay({
          pool: database.pool,
          schema,
          js,
          signer,
          log: testLog,
          registry,
          ...extra,
        });
        cleanups.push(() => relay.stop());
        return { relay, registry };
      },
    };
  }

  /** Asserts the stream holds exactly `sent`, once each, in that order, each with Nats-Msg-Id = envelope id. */
  async function expectDeliveredOnceInOrder(
    stored: Awaited<ReturnType<typeof readStream>>,
    sent: Envelope[],
  ) {
    expect(stored.map((m) => m.envelope.id)).to.deep.equal(sent.map((e) => e.id));
    expect(new Set(stored.map((m) => m.envelope.id)).size).to.equal(sent.length);
    for (const m of stored) expect(m.msgId).to.equal(m.envelope.id);
  }

  describe('migrate()', () => {
    it('creates the outbox tables in the service schema and applies nothing the second time', async () => {
      const t = await setup({ createStream: false });
      // setup() already ran the first migration.
      expect(
        await migrate({ db: t.database.db, schema: t.schema, migrations: outboxMigrations, log: testLog }),
      ).to.deep.equal([]);
      const tables = await sql<{ table_schema: string; table_name: string }>`
        SELECT table_schema, table_name FROM information_schema.tables
        WHERE table_schema = ${t.schema} ORDER BY table_name`.execute(t.database.db);
      expect(tables.rows.map((r) => r.table_name)).to.deep.equal([
        'kysely_migration',
        'kysely_migration_lock',
        'outbox',
        'processed_messages',
      ]);
      const applied = await sql<{
        name: string;
      }>`SELECT name FROM ${sql.id(t.schema, 'kysely_migration')}`.execute(t.database.db);
      expect(applied.rows.map((r) => r.name)).to.deep.equal(['0000_outbox']);
    });

    it('applies a fresh schema in one go and returns the applied names', async () => {
      const schema = uniqueSchema('migrate');
      const database = createDatabase({ connectionString: databaseUrl, schema, log: testLog });
      cleanups.push(async () => {
        await sql`DROP SCHEMA IF EXISTS ${sql.id(schema)} CASCADE`.execute(database.db);
        await database.close();
      });
      const migrations = {
        ...outboxMigrations,
        '0001_widgets': { up: (db) => db.schema.createTable('widgets').addColumn('id', 'integer').execute() },
      } satisfies Record<string, Migration>;
      expect(await migrate({ db: database.db, schema, migrations, log: testLog })).to.deep.equal([
        '0000_outbox',
        '0001_widgets',
      ]);
      expect(await migrate({ db: database.db, schema, migrations, log: testLog })).to.deep.equal([]);
      const where = await sql<{ table_schema: string }>`
        SELECT table_schema FROM information_schema.tables WHERE table_name = 'widgets' AND table_schema = ${schema}`.execute(
        database.db,
      );
      expect(where.rows).to.have.length(1);
    });

    it('names the failing migration and keeps none of the batch applied', async () => {
      const schema = uniqueSchema('migrate');
      const database = createDatabase({ connectionString: databaseUrl, schema, log: testLog });
      cleanups.push(async () => {
        await sql`DROP SCHEMA IF EXISTS ${sql.id(schema)} CASCADE`.execute(database.db);
        await database.close();
      });
      const migrations = {
        ...outboxMigrations,
        '0001_broken': { up: async (db) => void (await sql`SELECT * FROM no_such_table`.execute(db)) },
      } satisfies Record<string, Migration>;
      let error: unknown;
      await migrate({ db: database.db, schema, migrations, log: testLog }).catch(
        (err: unknown) => (error = err),
      );
      expect(error).to.be.instanceOf(Error);
      expect((error as Error).message)
        .to.contain('migration 0001_broken failed')
        .and.contain(schema);
      const outbox = await sql<{ n: string }>`
        SELECT count(*) AS n FROM information_schema.tables WHERE table_schema = ${schema} AND table_name = 'outbox'`.execute(
        database.db,
      );
      expect(Number(outbox.rows[0]?.n)).to.equal(0);
    });
  });

  describe('enqueue() and the relay', () => {
    it('publishes a committed transaction once, in seq order, with Nats-Msg-Id = envelope id, and never a rolled-back one', async () => {
      const t = await setup();
      // A poll a minute away: only the trigger's NOTIFY can make the relay publish within the test.
      const { registry } = t.relay({ pollIntervalMs: 60_000 });
      const rolledBack = t.events.envelopes(5, 1000);
      const failure = await t.database.db
        .transaction()
        .execute(async (trx) => {
          await enqueue(trx, rolledBack);
          throw new Error('state change failed');
        })
        .catch((err: unknown) => err);
      expect(failure).to.have.property('message', 'state change failed');

      const committed = t.events.envelopes(25);
      await t.commit(committed);
      await eventually(
        'the committed events to be published',
        async () => (await t.unpublished()) === 0,
        5000,
      );
      await eventually(
        'the stream to hold them',
        async () => (await jsm.streams.info(t.events.stream.name)).state.messages === 25,
        2000,
      );

      const stored = await t.stored();
      await expectDeliveredOnceInOrder(stored, committed);
      expect(stored.map((m) => m.envelope.data)).to.deep.equal(committed.map((e) => e.data));
      expect(stored.some((m) => rolledBack.some((e) => e.id === m.envelope.id))).to.equal(false);
      expect(await metric(registry, 'idp_outbox_published_total')).to.equal(25);
      expect(await metric(registry, 'idp_outbox_pending')).to.equal(0);
    });

    it('survives a crash between publish and commit: every event arrives once, in order', async function () {
      this.timeout(30_000);
      const t = await setup();
      const sent = t.events.envelopes(200);
      await t.commit(sent);

      // Batches of 100: the first is published and committed, the second dies after 30 publishes.
      const child = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', crashingRelay], {
        cwd: packageDir,
        env: {
          ...process.env,
          DATABASE_URL: databaseUrl,
          NATS_URL: natsUrl,
          OUTBOX_SCHEMA: t.schema,
          OUTBOX_CRASH_AFTER_PUBLISHES: '130',
        },
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      const killer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      const [code, signal] = (await once(child, 'exit')) as [number | null, NodeJS.Signals | null];
      clearTimeout(killer);
      expect({ code, signal, stderr }).to.deep.equal({ code: null, signal: 'SIGKILL', stderr: '' });

      expect(await t.unpublished()).to.equal(100);
      expect((await jsm.streams.info(t.events.stream.name)).state.messages).to.equal(130);

      const { registry } = t.relay({ pollIntervalMs: 100, listen: false });
      await eventually('a fresh relay to finish the outbox', async () => (await t.unpublished()) === 0);

      await expectDeliveredOnceInOrder(await t.stored(), sent);
      // The 30 rows the crashed relay had published but not marked were re-sent and dropped by JetStream.
      expect(await metric(registry, 'idp_outbox_duplicates_total')).to.equal(30);
      expect(await metric(registry, 'idp_outbox_published_total')).to.equal(100);
    });

    it('delivers each event once and in order with two relay instances on one schema', async function () {
      this.timeout(30_000);
      const t = await setup();
      const second = t.openInstance();
      const a = t.relay({ batchSize: 7, pollIntervalMs: 20 });
      const registryB = new Registry();
      const relayB = startOutboxRelay({
        pool: second.pool,
        schema: t.schema,
        js,
        signer,
        log: testLog,
        registry: registryB,
        batchSize: 7,
        pollIntervalMs: 20,
      });
      cleanups.push(() => relayB.stop());

      const sent: Envelope[] = [];
      for (let i = 0; i < 20; i++) {
        const batch = t.events.envelopes(10, i * 10);
        sent.push(...batch);
        await t.commit(batch);
        if (i % 4 === 0) await delay(5);
      }
      await eventually('both relays to drain the outbox', async () => (await t.unpublished()) === 0);

      await expectDeliveredOnceInOrder(await t.stored(), sent);
      const published = [
        await metric(a.registry, 'idp_outbox_published_total'),
        await metric(registryB, 'idp_outbox_published_total'),
      ];
      expect(published[0]! + published[1]!).to.equal(200);
      expect(await metric(a.registry, 'idp_outbox_duplicates_total')).to.equal(0);
      expect(await metric(registryB, 'idp_outbox_duplicates_total')).to.equal(0);
    });

    it('skips its batch while another instance holds the schema relay lock', async () => {
      const t = await setup();
      const other = new pg.Client({ connectionString: databaseUrl });
      await other.connect();
      cleanups.push(() => other.end());
      await other.query('BEGIN');
      await other.query('SELECT pg_advisory_xact_lock($1::bigint)', [relayLockKey(t.schema)]);

      const { relay } = t.relay({ pollIntervalMs: 60_000, listen: false });
      const sent = t.events.envelopes(5);
      await t.commit(sent);
      expect(await relay.drainOnce()).to.equal(0);
      expect(await t.unpublished()).to.equal(5);
      expect((await jsm.streams.info(t.events.stream.name)).state.messages).to.equal(0);

      await other.query('COMMIT');
      expect(await relay.drainOnce()).to.equal(5);
      await expectDeliveredOnceInOrder(await t.stored(), sent);
    });

    it('keeps rows unpublished while JetStream rejects them and delivers them all once the stream exists', async function () {
      this.timeout(20_000);
      const t = await setup({ createStream: false });
      const { registry } = t.relay({ pollIntervalMs: 50, maxBackoffMs: 200, listen: false });
      const sent = t.events.envelopes(20);
      await t.commit(sent);

      await eventually(
        'publishes to fail repeatedly',
        async () => (await metric(registry, 'idp_outbox_publish_failures_total')) >= 3,
      );
      expect(await t.unpublished()).to.equal(20);

      await t.createStream();
      await eventually('the relay to deliver after the failures', async () => (await t.unpublished()) === 0);
      await expectDeliveredOnceInOrder(await t.stored(), sent);
    });

    it('reconnects its LISTEN connection after PostgreSQL drops it', async function () {
      this.timeout(20_000);
      const t = await setup();
      t.relay({ pollIntervalMs: 60_000 });
      const listenerPids = async () => {
        const r = await sql<{ pid: number }>`
          SELECT pid FROM pg_stat_activity
          WHERE application_name = ${`idp-test-${t.schema}`} AND query = ${`LISTEN "${t.schema}_outbox"`}`.execute(
          t.database.db,
        );
        return r.rows.map((row) => row.pid);
      };
      await eventually('the listener to connect', async () => (await listenerPids()).length === 1);
      const [first] = await listenerPids();
      await sql`SELECT pg_terminate_backend(${first})`.execute(t.database.db);
      await eventually('a new listener connection', async () => {
        const pids = await listenerPids();
        return pids.length === 1 && pids[0] !== first;
      });

      const sent = t.events.envelopes(3);
      await t.commit(sent);
      await eventually(
        'a NOTIFY on the new connection to wake the relay',
        async () => (await t.unpublished()) === 0,
        3000,
      );
      await expectDeliveredOnceInOrder(await t.stored(), sent);
    });

    it('refuses to enqueue something that is not an envelope', async () => {
      const t = await setup({ createStream: false });
      const bad = { ...t.events.envelopes(1)[0]!, id: 'not-a-uuid' };
      const err = await t.commit([bad]).catch((e: unknown) => e);
      expect(err).to.have.property('code', 'events.invalid_envelope');
      expect(await t.unpublished()).to.equal(0);
    });
  });

  describe('enqueueUnless()', () => {
    it('stores the events in one statement when the query finds no row, and nothing when it finds one', async () => {
      const t = await setup({ createStream: false });
      await sql`CREATE TABLE blocker (key text PRIMARY KEY)`.execute(t.database.db);
      const [first, second] = t.events.envelopes(2);
      const unless = sql`SELECT 1 FROM blocker WHERE key = ${'k'}`;
      expect(await enqueueUnless(t.database.db, [first!], unless)).to.equal(true);
      await sql`INSERT INTO blocker VALUES (${'k'})`.execute(t.database.db);
      expect(await enqueueUnless(t.database.db, [second!], unless)).to.equal(false);
      const { rows } = await sql<{ id: string }>`SELECT id FROM outbox ORDER BY seq`.execute(t.database.db);
      expect(rows.map((r) => r.id)).to.deep.equal([first!.id]);
    });

    it('refuses something that is not an envelope', async () => {
      const t = await setup({ createStream: false });
      const bad = { ...t.events.envelopes(1)[0]!, id: 'not-a-uuid' };
      const err = await enqueueUnless(t.database.db, [bad], sql`SELECT 1 WHERE false`).catch(
        (e: unknown) => e,
      );
      expect(err).to.have.property('code', 'events.invalid_envelope');
      expect(await t.unpublished()).to.equal(0);
    });
  });

  describe('processOnce() and pgIdempotencyStore()', () => {
    it('is true the first time a consumer sees an id and false after, per consumer', async () => {
      const t = await setup({ createStream: false });
      const id = t.events.envelopes(1)[0]!.id;
      const once = (consumer: string) =>
        t.database.db.transaction().execute((trx) => processOnce(trx, consumer, id));
      expect(await once('mailer')).to.equal(true);
      expect(await once('mailer')).to.equal(false);
      expect(await once('auditor')).to.equal(true);
    });

    it('leaves no record when the transaction rolls back, so the retry runs the effect', async () => {
      const t = await setup({ createStream: false });
      const id = t.events.envelopes(1)[0]!.id;
      const err = await t.database.db
        .transaction()
        .execute(async (trx) => {
          expect(await processOnce(trx, 'mailer', id)).to.equal(true);
          throw new Error('effect failed');
        })
        .catch((e: unknown) => e);
      expect(err).to.have.property('message', 'effect failed');
      expect(await t.database.db.transaction().execute((trx) => processOnce(trx, 'mailer', id))).to.equal(
        true,
      );
    });

    it('lets only one of two concurrent deliveries of the same message through', async () => {
      const t = await setup({ createStream: false });
      const id = t.events.envelopes(1)[0]!.id;
      const first = await t.database.db.startTransaction().execute();
      expect(await processOnce(first, 'mailer', id)).to.equal(true);
      // The second insert waits on the first transaction's row lock, then sees the committed id.
      const second = t.database.db.transaction().execute((trx) => processOnce(trx, 'mailer', id));
      await delay(100);
      await first.commit().execute();
      expect(await second).to.equal(false);
    });

    it('pgIdempotencyStore remembers ids per consumer across handles', async () => {
      const t = await setup({ createStream: false });
      const id = t.events.envelopes(1)[0]!.id;
      const store = pgIdempotencyStore(t.database.db, 'projector');
      expect(await store.has(id)).to.equal(false);
      await store.add(id);
      await store.add(id);
      expect(await pgIdempotencyStore(t.openInstance().db, 'projector').has(id)).to.equal(true);
      expect(await pgIdempotencyStore(t.database.db, 'other').has(id)).to.equal(false);
    });
  });
});
