import { Migrator, sql, type Kysely, type Migration } from 'kysely';
import type { Logger } from '@idp/observability';
import { assertSchemaName } from './database.js';

export interface MigrateOptions<DB> {
  /** A handle whose connections have `search_path` = `schema` (as `createDatabase` makes them). */
  db: Kysely<DB>;
  schema: string;
  /**
   * Every migration the service has ever had, keyed by a name that sorts in the order they must
   * run (`0000_outbox`, `0001_accounts`, …). Given as objects rather than found on disk, so the
   * same code runs from `dist` and from source.
   */
  migrations: Record<string, Migration>;
  log: Logger;
}

/**
 * Brings the service's schema up to date and returns the names of the migrations it applied (none
 * when already current). Kysely's migrator serialises concurrent runs with a lock, so every
 * instance may call this at start-up. Pending migrations run in one transaction: if one fails,
 * none of them stays applied, and the error names the one that failed.
 */
export async function migrate<DB>(o: MigrateOptions<DB>): Promise<string[]> {
  assertSchemaName(o.schema);
  const log = o.log.child({ component: 'migrate', schema: o.schema });
  await createSchema(o.db, o.schema);

  // Migrations use unqualified names; running them on a connection resolving elsewhere would
  // scatter one service's tables into another's schema (or `public`).
  const current = await sql<{ schema: string | null }>`SELECT current_schema() AS schema`.execute(o.db);
  if (current.rows[0]?.schema !== o.schema) {
    throw new Error(
      `cannot migrate schema ${o.schema}: connections resolve names in ${String(current.rows[0]?.schema)}; ` +
        `set search_path=${o.schema} on the pool (createDatabase does)`,
    );
  }

  const migrator = new Migrator({
    db: o.db,
    provider: { getMigrations: () => Promise.resolve(o.migrations) },
    migrationTableSchema: o.schema,
  });
  const { error, results = [] } = await migrator.migrateToLatest();
  const applied = results.filter((r) => r.status === 'Success').map((r) => r.migrationName);
  if (error !== undefined) {
    const failed = results.find((r) => r.status === 'Error')?.migrationName;
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(
      failed
        ? `migration ${failed} failed in schema ${o.schema}: ${reason}` +
            (applied.length ? ` (rolled back with it: ${applied.join(', ')})` : '')
        : `migrating schema ${o.schema} failed: ${reason}`,
      { cause: error },
    );
  }
  if (applied.length) log.info({ applied }, 'migrations applied');
  else log.debug('schema is up to date');
  return applied;
}

async function createSchema<DB>(db: Kysely<DB>, schema: string): Promise<void> {
  // Look first: even with IF NOT EXISTS, CREATE SCHEMA needs CREATE on the database, which a
  // service role given a ready-made schema (infra/postgres/bootstrap.sql) rightly lacks.
  const found = await sql<{
    one: number;
  }>`SELECT 1 AS one FROM pg_namespace WHERE nspname = ${schema}`.execute(db);
  if (found.rows.length > 0) return;
  try {
    await sql`CREATE SCHEMA IF NOT EXISTS ${sql.id(schema)}`.execute(db);
  } catch (err) {
    // Two instances creating the schema at once: IF NOT EXISTS still races on the catalog's unique index.
    const code = (err as { code?: unknown }).code;
    if (code !== '23505' && code !== '42P06') throw err;
  }
}
