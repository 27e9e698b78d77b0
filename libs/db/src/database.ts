import pg from 'pg';
import { Kysely, PostgresDialect, type PostgresPool, type PostgresPoolClient } from 'kysely';
import type { Logger } from '@idp/observability';
import { wrapDbError } from './errors.js';
import type { OutboxTables } from './outbox.js';

const SCHEMA_NAME = /^[a-z_][a-z0-9_]*$/;
// PostgreSQL truncates identifiers at 63 bytes; the longest name derived from a schema is `<schema>_outbox`.
const MAX_SCHEMA_LENGTH = 63 - '_outbox'.length;

/**
 * Throws unless `schema` is a plain lower-case identifier. The name is interpolated into
 * `search_path`, DDL and the NOTIFY channel, so it must never need quoting or escaping.
 */
export function assertSchemaName(schema: string): void {
  if (!SCHEMA_NAME.test(schema) || schema.length > MAX_SCHEMA_LENGTH || schema.startsWith('pg_')) {
    throw new Error(
      `invalid schema name ${JSON.stringify(schema)}: use ${SCHEMA_NAME.source}, at most ${MAX_SCHEMA_LENGTH} characters, not pg_*`,
    );
  }
}

export interface DatabaseOptions {
  /** `postgres://user@host:port/db`; each service has its own role and connection string. */
  connectionString: string;
  /** The service's own schema; every pooled connection resolves unqualified names in it. */
  schema: string;
  log: Logger;
  /** Connections in the pool (default 10). */
  poolMax?: number;
  /** Shown in `pg_stat_activity`, so an operator can tell which service holds a connection. */
  applicationName?: string;
  /** Give up opening a connection after this long, so an unreachable server fails fast (default 5000). */
  connectionTimeoutMs?: number;
  /** Bound on the readiness query (default 1000). */
  checkTimeoutMs?: number;
}

/** A service's handle on its PostgreSQL schema. */
export interface Database<DB = OutboxTables> {
  /** Query builder; connection failures surface as `DomainError('unavailable', 'infra.database_down')`. */
  db: Kysely<DB>;
  /** The underlying pool, for the outbox relay and for raw `pg` access. */
  pool: pg.Pool;
  schema: string;
  /** Readiness: resolves when PostgreSQL answers `SELECT 1` within the check timeout. */
  check(): Promise<void>;
  /** Waits for checked-out connections to be released, then closes the pool. Idempotent. */
  close(): Promise<void>;
}

/**
 * Opens a connection pool bound to one schema. A PostgreSQL restart must not take the service
 * down: broken connections are logged and replaced, and queries made while the server is away
 * fail with `infra.database_down` until it is back.
 */
export function createDatabase<DB = OutboxTables>(o: DatabaseOptions): Database<DB> {
  assertSchemaName(o.schema);
  const log = o.log.child({ component: 'db', schema: o.schema });
  const pool = new pg.Pool({
    connectionString: o.connectionString,
    max: o.poolMax ?? 10,
    options: `-c search_path=${o.schema}`,
    ...(o.applicationName ? { application_name: o.applicationName } : {}),
    connectionTimeoutMillis: o.connectionTimeoutMs ?? 5000,
    // Notices a server that vanished without closing the socket (host down, network split).
    keepAlive: true,
  });
  // An idle connection that dies emits here; without a listener Node would crash the process.
  pool.on('error', (err) => log.error({ err }, 'idle postgres connection lost; it will be replaced'));
  // A checked-out connection has no pool listener at all: a restart between two queries of a
  // transaction would otherwise be an unhandled 'error' event.
  pool.on('connect', (client) => {
    client.on('error', (err) => log.warn({ err }, 'postgres connection lost while in use'));
  });

  const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool: mapErrors(pool) }) });
  const checkTimeoutMs = o.checkTimeoutMs ?? 1000;
  let closing: Promise<void> | undefined;

  return {
    db,
    pool,
    schema: o.schema,
    async check() {
      let timer: NodeJS.Timeout | undefined;
      try {
        await Promise.race([
          pool.query('SELECT 1'),
          new Promise<never>((_, reject) => {
            timer = setTimeout(
              () => reject(new Error(`no answer within ${checkTimeoutMs} ms`)),
              checkTimeoutMs,
            );
          }),
        ]);
      } catch (err) {
        throw wrapDbError(err);
      } finally {
        clearTimeout(timer);
      }
    },
    close() {
      // Kysely ends the pool it was given.
      closing ??= db.destroy();
      return closing;
    },
  };
}

/** Presents the pool to Kysely with connection failures already mapped to DomainErrors. */
function mapErrors(pool: pg.Pool): PostgresPool {
  // One wrapper per pg client, so Kysely's per-client connection cache keeps working.
  const wrappers = new WeakMap<pg.PoolClient, PostgresPoolClient>();
  return {
    async connect() {
      let client: pg.PoolClient;
      try {
        client = await pool.connect();
      } catch (err) {
        throw wrapDbError(err);
      }
      let wrapper = wrappers.get(client);
      if (!wrapper) {
        const c = client;
        const query = async (sqlText: string, parameters: readonly unknown[]) => {
          try {
            return await c.query(sqlText, [...parameters]);
          } catch (err) {
            throw wrapDbError(err);
          }
        };
        wrapper = {
          // Only the (sql, parameters) form: the dialect is built without a cursor, so Kysely never streams.
          query: query as unknown as PostgresPoolClient['query'],
          release: () => c.release(),
        };
        wrappers.set(client, wrapper);
      }
      return wrapper;
    },
    end: () => pool.end(),
  };
}
