import type { Migration } from 'kysely';
import { envBool, loadConfig, logLevel, secret, z } from '@idp/config';
import { isDomainError, type EventSigner, type JetStreamClient } from '@idp/events';
import { createLogger, runMain, type Logger, type Registry } from '@idp/observability';
import { createDatabase, type Database } from './database.js';
import { migrate } from './migrate.js';
import type { OutboxTables } from './outbox.js';
import { startOutboxRelay } from './relay.js';

/** The environment of a service that owns a schema; spread into the service's config schema. */
export const databaseConfig = (defaultSchema: string) => ({
  /** This service's own role, owner of its schema and nothing else. May carry a password. */
  DATABASE_URL: secret(z.string().min(1)),
  DATABASE_SCHEMA: z
    .string()
    .regex(/^[a-z_][a-z0-9_]*$/)
    .default(defaultSchema),
  DATABASE_POOL_MAX: z.coerce.number().int().min(1).max(100).default(10),
  /** Named prepared statements (see createDatabase); false behind a pooler that cannot keep them. */
  DATABASE_PREPARED_STATEMENTS: envBool.default(true),
  /** Apply pending migrations at start-up; production may run `pnpm migrate` as a release step instead. */
  MIGRATE_ON_START: envBool.default(true),
});

export interface DatabaseSettings {
  DATABASE_URL: string;
  DATABASE_SCHEMA: string;
  DATABASE_POOL_MAX: number;
  DATABASE_PREPARED_STATEMENTS: boolean;
  MIGRATE_ON_START: boolean;
}

/** The parts of a service's runtime the database wiring needs (the `Runtime` of @idp/runtime fits). */
export interface DatabaseHost {
  log: Logger;
  registry: Registry;
  js: JetStreamClient;
  /** The service's event signing key: the relay signs what it publishes with it. */
  signer: EventSigner;
  producer: string;
  addCheck(name: string, check: () => Promise<void>): void;
  onShutdown(name: string, hook: () => Promise<void> | void): void;
}

/**
 * A database-owning service's standard wiring: the pool on its schema, migrations, the outbox
 * relay, a `postgres` readiness check, and shutdown in the safe order (the relay finishes its
 * batch before the pool closes, and both before NATS drains).
 */
export async function openServiceDatabase<DB = OutboxTables>(
  host: DatabaseHost,
  settings: DatabaseSettings,
  migrations: Record<string, Migration>,
): Promise<Database<DB>> {
  const schema = settings.DATABASE_SCHEMA;
  const database = createDatabase<DB>({
    connectionString: settings.DATABASE_URL,
    schema,
    log: host.log,
    poolMax: settings.DATABASE_POOL_MAX,
    preparedStatements: settings.DATABASE_PREPARED_STATEMENTS,
    applicationName: host.producer,
  });
  host.addCheck('postgres', database.check);
  host.onShutdown('postgres', database.close);
  if (settings.MIGRATE_ON_START) {
    // PostgreSQL may still be starting (or restarting): wait for it rather than exit and be
    // restarted in a loop; /readyz says why meanwhile. A failing migration still ends start-up.
    for (let delayMs = 500; ; delayMs = Math.min(delayMs * 2, 5000)) {
      try {
        await migrate({ db: database.db, schema, migrations, log: host.log });
        break;
      } catch (err) {
        if (!(isDomainError(err) && err.code === 'infra.database_down')) throw err;
        host.log.warn({ retryInMs: delayMs }, 'postgres unreachable; waiting to migrate');
        await new Promise((r) => setTimeout(r, delayMs));
      }
    }
  }
  const relay = startOutboxRelay({
    pool: database.pool,
    schema,
    js: host.js,
    signer: host.signer,
    log: host.log,
    registry: host.registry,
  });
  host.onShutdown('outbox relay', relay.stop);
  return database;
}

/**
 * A service's `pnpm migrate`: applies pending migrations and exits, for deployments that migrate
 * as a release step rather than at start-up.
 */
export function runMigrateCommand(o: {
  service: string;
  defaultSchema: string;
  migrations: Record<string, Migration>;
}): void {
  runMain(async () => {
    const schema = z.object({
      LOG_LEVEL: logLevel,
      ...databaseConfig(o.defaultSchema),
    });
    const config = loadConfig(schema, process.env);
    const log = createLogger({ service: o.service, level: config.LOG_LEVEL });
    const database = createDatabase({
      connectionString: config.DATABASE_URL,
      schema: config.DATABASE_SCHEMA,
      log,
      poolMax: 1,
    });
    try {
      const applied = await migrate({
        db: database.db,
        schema: config.DATABASE_SCHEMA,
        migrations: o.migrations,
        log,
      });
      if (applied.length === 0) log.info('schema already current');
    } finally {
      await database.close();
    }
  });
}
