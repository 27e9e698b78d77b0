import { Writable } from 'node:stream';
import { setTimeout as delay } from 'node:timers/promises';
import { expect } from 'chai';
import { sql } from 'kysely';
import { DomainError } from '@idp/events';
import { createLogger } from '@idp/observability';
import { assertSchemaName, createDatabase, type Database } from './database.js';
import { migrate } from './migrate.js';
import { databaseUrl, eventually, testLog, uniqueSchema } from './__fixtures__/harness.js';

function expectDatabaseDown(err: unknown) {
  expect(err).to.be.instanceOf(DomainError);
  expect(err).to.include({ kind: 'unavailable', code: 'infra.database_down' });
  expect((err as DomainError).cause).to.be.instanceOf(Error);
}

describe('db createDatabase() against real PostgreSQL', function () {
  const opened: { schema?: string; database: Database }[] = [];
  afterEach(async () => {
    for (const { schema, database } of opened.splice(0).reverse()) {
      if (schema) await sql`DROP SCHEMA IF EXISTS ${sql.id(schema)} CASCADE`.execute(database.db);
      await database.close();
    }
  });

  it('rejects schema names that would need quoting', () => {
    for (const bad of ['Accounts', 'a-b', '1st', 'a b', 'x;drop', '', 'pg_catalog', 'x'.repeat(57)]) {
      expect(() => assertSchemaName(bad), bad).to.throw(/invalid schema name/);
      expect(
        () => createDatabase({ connectionString: databaseUrl, schema: bad, log: testLog }),
        bad,
      ).to.throw(/invalid schema name/);
    }
    for (const good of ['accounts', 'registration_authority', '_x1'])
      expect(() => assertSchemaName(good)).not.to.throw();
  });

  it('resolves unqualified names in the service schema on every pooled connection', async () => {
    const schema = uniqueSchema('db');
    const database = createDatabase({ connectionString: databaseUrl, schema, log: testLog, poolMax: 3 });
    opened.push({ schema, database });
    await migrate({
      db: database.db,
      schema,
      migrations: {
        '0001_widgets': { up: (db) => db.schema.createTable('widgets').addColumn('id', 'integer').execute() },
      },
      log: testLog,
    });
    // Three at once, so each runs on its own connection.
    const seen = await Promise.all(
      [1, 2, 3].map(() =>
        sql<{
          schema: string;
          pid: number;
        }>`SELECT current_schema() AS schema, pg_backend_pid() AS pid, pg_sleep(0.05)`.execute(database.db),
      ),
    );
    expect(new Set(seen.map((r) => r.rows[0]?.pid)).size).to.equal(3);
    expect(seen.map((r) => r.rows[0]?.schema)).to.deep.equal([schema, schema, schema]);
    const where = await sql<{ table_schema: string }>`
      SELECT table_schema FROM information_schema.tables WHERE table_name = 'widgets' AND table_schema IN (${schema}, 'public')`.execute(
      database.db,
    );
    expect(where.rows.map((r) => r.table_schema)).to.deep.equal([schema]);
    await database.check();
  });

  it('fails queries and check() with infra.database_down when PostgreSQL cannot be reached', async () => {
    const database = createDatabase({
      connectionString: 'postgres://postgres@127.0.0.1:1/test',
      schema: 'nowhere',
      log: testLog,
      connectionTimeoutMs: 1000,
    });
    opened.push({ database });
    expectDatabaseDown(await sql`SELECT 1`.execute(database.db).catch((e: unknown) => e));
    expectDatabaseDown(
      await database.db
        .transaction()
        .execute(() => Promise.resolve())
        .catch((e: unknown) => e),
    );
    expectDatabaseDown(await database.check().catch((e: unknown) => e));
  });

  it('replaces connections PostgreSQL terminated (as in a restart) without crashing the process', async () => {
    const schema = uniqueSchema('db');
    const applicationName = `idp-test-${schema}`;
    const lines: string[] = [];
    const log = createLogger({
      service: 'db-test',
      destination: new Writable({ write: (chunk, _enc, cb) => (lines.push(String(chunk)), cb()) }),
    });
    const database = createDatabase({
      connectionString: databaseUrl,
      schema,
      log,
      applicationName,
      poolMax: 2,
    });
    const admin = createDatabase({ connectionString: databaseUrl, schema, log: testLog, poolMax: 1 });
    opened.push({ database }, { schema, database: admin });
    const terminateAll = () =>
      sql`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = ${applicationName}`.execute(
        admin.db,
      );

    // One connection left idle in the pool, one held by a transaction, when the server drops both.
    await Promise.all([
      sql`SELECT pg_sleep(0.05)`.execute(database.db),
      sql`SELECT pg_sleep(0.05)`.execute(database.db),
    ]);
    const inTransaction = await database.db
      .transaction()
      .execute(async (trx) => {
        await sql`SELECT 1`.execute(trx);
        await terminateAll();
        await delay(200);
        await sql`SELECT 1`.execute(trx);
      })
      .catch((e: unknown) => e);
    expectDatabaseDown(inTransaction);

    await eventually('the pool to work again', async () => {
      try {
        await sql`SELECT 1`.execute(database.db);
        return true;
      } catch (err) {
        expectDatabaseDown(err);
        return false;
      }
    });
    await database.check();
    const logged = lines.map((l) => JSON.parse(l) as { msg: string });
    expect(logged.map((l) => l.msg)).to.include('idle postgres connection lost; it will be replaced');
    expect(logged.map((l) => l.msg)).to.include('postgres connection lost while in use');
  });

  describe('named prepared statements', () => {
    interface Widgets {
      widgets: { id: number; label: string | null };
    }
    const open = async (o: { preparedStatements?: boolean; maxPreparedPerConnection?: number } = {}) => {
      const schema = uniqueSchema('prep');
      // One connection, so every query and pg_prepared_statements see the same session.
      const database = createDatabase<Widgets>({
        connectionString: databaseUrl,
        schema,
        log: testLog,
        poolMax: 1,
        ...o,
      });
      // Only dropped and closed by the shared clean-up, which needs no table types.
      opened.push({ schema, database: database as unknown as Database });
      await migrate({
        db: database.db,
        schema,
        migrations: {
          '0001_widgets': {
            up: (db) =>
              db.schema
                .createTable('widgets')
                .addColumn('id', 'integer', (c) => c.primaryKey())
                .execute(),
          },
        },
        log: testLog,
      });
      await database.db.insertInto('widgets').values({ id: 1 }).execute();
      return database;
    };
    const prepared = async (database: Database<Widgets>) =>
      (
        await sql<{ statement: string }>`SELECT statement FROM pg_prepared_statements`.execute(database.db)
      ).rows.map((r) => r.statement);
    const byId = (database: Database<Widgets>, id: number) =>
      database.db.selectFrom('widgets').selectAll().where('id', '=', id).execute();

    it('parses a query once per connection and reuses it with other values', async () => {
      const database = await open();
      expect(await byId(database, 1)).to.deep.equal([{ id: 1 }]);
      expect(await byId(database, 2)).to.deep.equal([]);
      const statements = await prepared(database);
      const lookups = statements.filter((t) => t.includes('from "widgets"') && t.includes('"id" = $1'));
      expect(lookups).to.have.length(1);
    });

    it('keeps nothing prepared when turned off', async () => {
      const database = await open({ preparedStatements: false });
      await byId(database, 1);
      expect(await prepared(database)).to.deep.equal([]);
    });

    it('runs statements unnamed beyond the per-connection bound, with the same results', async () => {
      const database = await open({ maxPreparedPerConnection: 3 });
      for (let n = 1; n <= 8; n++) {
        // A different text per n: an IN list of n values.
        const ids = Array.from({ length: n }, (_, i) => i + 1);
        expect(
          await database.db.selectFrom('widgets').select('id').where('id', 'in', ids).execute(),
        ).to.deep.equal([{ id: 1 }]);
      }
      expect(await prepared(database)).to.have.length.at.most(3);
    });

    it('answers correctly after a migration changes a table under a prepared statement', async () => {
      const database = await open();
      expect(await byId(database, 1)).to.deep.equal([{ id: 1 }]);
      await sql`ALTER TABLE widgets ADD COLUMN label text DEFAULT 'new'`.execute(database.db);
      // selectAll() now returns another row type: the named plan is refused and the query re-runs unnamed.
      expect(await byId(database, 1)).to.deep.equal([{ id: 1, label: 'new' }]);
      expect(await byId(database, 1)).to.deep.equal([{ id: 1, label: 'new' }]);
    });
  });
});
