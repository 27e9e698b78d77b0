import type { Migration } from 'kysely';
import { isDomainError, type JetStreamClient } from '@idp/events';
import type { Logger, Registry } from '@idp/observability';
import { createDatabase, type Database } from './database.js';
import { migrate } from './migrate.js';
import type { OutboxTables } from './outbox.js';
import { startOutboxRelay } from './relay.js';

/** The parts of a service's runtime the database wiring needs (the `Runtime` of @idp/runtime fits). */
export interface DatabaseHost {
  log: Logger;
  registry: Registry;
  js: JetStreamClient;
  producer: string;
  addCheck(name: string, check: () => Promise<void>): void;
  onShutdown(name: string, hook: () => Promise<void> | void): void;
}

export interface ServiceDatabaseOptions {
  connectionString: string;
  schema: string;
  poolMax: number;
  migrations: Record<string, Migration>;
  migrateOnStart: boolean;
}

/**
 * A database-owning service's standard wiring: the pool on its schema, migrations, the outbox
 * relay, a `postgres` readiness check, and shutdown in the safe order (the relay finishes its
 * batch before the pool closes, and both before NATS drains).
 */
export async function openServiceDatabase<DB = OutboxTables>(
  host: DatabaseHost,
  o: ServiceDatabaseOptions,
): Promise<Database<DB>> {
  const database = createDatabase<DB>({
    connectionString: o.connectionString,
    schema: o.schema,
    log: host.log,
    poolMax: o.poolMax,
    applicationName: host.producer,
  });
  host.addCheck('postgres', database.check);
  host.onShutdown('postgres', database.close);
  if (o.migrateOnStart) {
    // PostgreSQL may still be starting (or restarting): wait for it rather than exit and be
    // restarted in a loop; /readyz says why meanwhile. A failing migration still ends start-up.
    for (let delayMs = 500; ; delayMs = Math.min(delayMs * 2, 5000)) {
      try {
        await migrate({ db: database.db, schema: o.schema, migrations: o.migrations, log: host.log });
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
    schema: o.schema,
    js: host.js,
    log: host.log,
    registry: host.registry,
  });
  host.onShutdown('outbox relay', relay.stop);
  return database;
}
