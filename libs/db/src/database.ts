import { createHash } from 'node:crypto';
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
  /**
   * Run the query builder's statements as named prepared statements, parsed and planned once per
   * connection (default true). Turn off behind a pooler in transaction mode that cannot keep them
   * (PgBouncer before 1.21).
   */
  preparedStatements?: boolean;
  /** Named statements kept per connection before further ones run unnamed (default 200). */
  maxPreparedPerConnection?: number;
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

  const db = new Kysely<DB>({
    dialect: new PostgresDialect({
      pool: mapErrors(
        pool,
        o.preparedStatements === false ? undefined : statementNamer(o.maxPreparedPerConnection ?? 200),
      ),
    }),
  });
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

/**
 * Names statements so each connection parses and plans each only once: on this project's machine
 * the accounts login's two lookups cost PostgreSQL 0.53–0.92 ms of CPU unnamed and 0.10 ms named.
 * Per connection at most `max` names are kept (a statement with a variable-length IN list has a
 * text per length); further statements run unnamed, as before.
 */
interface StatementNamer {
  /** The name to run `text` under on `client`, or undefined to run it unnamed. */
  nameFor(client: pg.PoolClient, text: string): string | undefined;
  /** The server refused the named statement on `client` for good (its tables changed under it). */
  retire(client: pg.PoolClient, name: string): void;
}

// Only plain DML: transaction control and DDL gain nothing and some poolers refuse them named.
const PREPARABLE = /^\s*(select|insert|update|delete|with)\b/i;

function statementNamer(max: number): StatementNamer {
  const names = new Map<string, string>();
  const perClient = new WeakMap<pg.PoolClient, { named: Set<string>; retired: Set<string> }>();
  const stateOf = (client: pg.PoolClient) => {
    let st = perClient.get(client);
    if (!st) perClient.set(client, (st = { named: new Set(), retired: new Set() }));
    return st;
  };
  return {
    nameFor(client, text) {
      if (!PREPARABLE.test(text)) return undefined;
      let name = names.get(text);
      if (name === undefined) {
        // Bounded like the per-connection sets, so generated SQL cannot grow the map forever.
        if (names.size >= max * 4) return undefined;
        name = `idp_${createHash('sha256').update(text).digest('base64url').slice(0, 24)}`;
        names.set(text, name);
      }
      const st = stateOf(client);
      if (st.retired.has(name)) return undefined;
      if (!st.named.has(name)) {
        if (st.named.size >= max) return undefined;
        st.named.add(name);
      }
      return name;
    },
    retire(client, name) {
      const st = stateOf(client);
      st.named.delete(name);
      st.retired.add(name);
    },
  };
}

// A named statement whose tables changed shape (a migration while this instance runs) fails with
// this until the connection goes; the same text then runs unnamed on that connection.
const isStalePlan = (err: unknown) =>
  err instanceof Error &&
  (err as { code?: unknown }).code === '0A000' &&
  err.message.includes('cached plan must not change result type');

/** Presents the pool to Kysely with connection failures already mapped to DomainErrors. */
function mapErrors(pool: pg.Pool, namer: StatementNamer | undefined): PostgresPool {
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
          const values = [...parameters];
          const name = namer?.nameFor(c, sqlText);
          try {
            return await (name === undefined
              ? c.query(sqlText, values)
              : c.query({ name, text: sqlText, values }));
          } catch (err) {
            if (name === undefined || !isStalePlan(err)) throw wrapDbError(err);
            namer!.retire(c, name);
            // Outside a transaction the unnamed retry simply works; inside one the server has
            // aborted the transaction, and the caller sees the original error.
            try {
              return await c.query(sqlText, values);
            } catch {
              throw wrapDbError(err);
            }
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
