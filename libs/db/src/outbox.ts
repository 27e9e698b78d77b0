import {
  sql,
  type ColumnType,
  type Generated,
  type Kysely,
  type Migration,
  type QueryExecutorProvider,
  type RawBuilder,
} from 'kysely';
import { DomainError, Envelope, type IdempotencyStore } from '@idp/events';

/** Row of `<schema>.outbox`: an event committed with the state change that caused it, waiting for the relay. */
export interface OutboxTable {
  /** Publish order; `bigint` comes back from `pg` as a string. */
  seq: Generated<string>;
  id: string;
  subject: string;
  envelope: ColumnType<Envelope, string, never>;
  created_at: Generated<Date>;
  published_at: Date | null;
}

/** Row of `<schema>.processed_messages`: a message whose effect this service has already committed. */
export interface ProcessedMessagesTable {
  consumer: string;
  message_id: string;
  processed_at: Generated<Date>;
}

/** The tables `outboxMigrations` creates; intersect a service's own table types with this. */
export interface OutboxTables {
  outbox: OutboxTable;
  processed_messages: ProcessedMessagesTable;
}

/** NOTIFY channel the outbox trigger signals on; the relay LISTENs to it. */
export const outboxChannel = (schema: string): string => `${schema}_outbox`;

/**
 * The outbox and processed-message tables, for a service to spread into its own migrations
 * (`{ ...outboxMigrations, '0001_accounts': … }`). Names are unqualified: `migrate` runs them with
 * `search_path` set to the service's schema.
 */
export const outboxMigrations: Record<string, Migration> = {
  '0000_outbox': {
    async up(db) {
      await db.schema
        .createTable('outbox')
        .addColumn('seq', 'bigserial', (c) => c.primaryKey())
        .addColumn('id', 'uuid', (c) => c.notNull().unique())
        .addColumn('subject', 'text', (c) => c.notNull())
        .addColumn('envelope', 'jsonb', (c) => c.notNull())
        .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        .addColumn('published_at', 'timestamptz')
        .execute();
      // The relay only ever looks for unsent rows; keep that lookup small however long the table grows.
      await sql`CREATE INDEX outbox_unpublished_seq_idx ON outbox (seq) WHERE published_at IS NULL`.execute(
        db,
      );
      await db.schema
        .createTable('processed_messages')
        .addColumn('consumer', 'text', (c) => c.notNull())
        .addColumn('message_id', 'uuid', (c) => c.notNull())
        .addColumn('processed_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        .addPrimaryKeyConstraint('processed_messages_pkey', ['consumer', 'message_id'])
        .execute();
      // One NOTIFY per statement, delivered at commit, so the relay publishes without waiting for
      // its next poll. The channel follows the table's schema, so this migration fits any service.
      await sql`
        CREATE FUNCTION outbox_notify() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          PERFORM pg_notify(TG_TABLE_SCHEMA || '_outbox', '');
          RETURN NULL;
        END
        $$`.execute(db);
      await sql`
        CREATE TRIGGER outbox_notify AFTER INSERT ON outbox
        FOR EACH STATEMENT EXECUTE FUNCTION outbox_notify()`.execute(db);
    },
    async down(db) {
      await db.schema.dropTable('processed_messages').execute();
      await db.schema.dropTable('outbox').execute();
      await sql`DROP FUNCTION outbox_notify()`.execute(db);
    },
  },
};

/** Any service's Kysely handle, whatever its table types: these helpers only touch the outbox tables. */
export type AnyDb = QueryExecutorProvider;

/**
 * A Kysely handle inside a transaction: `db.transaction().execute(trx => …)` or
 * `db.startTransaction()`. Writing the outbox or the processed-message record outside one would
 * lose the atomicity these helpers exist for, so passing the plain `db` does not compile.
 */
export type InTransaction = AnyDb & { readonly isTransaction: true };

const outboxTables = (db: AnyDb) => db as unknown as Kysely<OutboxTables>;

/**
 * Stores events in the caller's transaction, so they are published if and only if the state change
 * commits — no dual write. Build each envelope with `buildEnvelope` from @idp/events; they are
 * published in the order given. Enqueue after the write that locks the aggregate's row, so
 * concurrent changes to one aggregate get outbox rows in commit order.
 */
export async function enqueue(trx: InTransaction, envelopes: readonly Envelope[]): Promise<void> {
  if (envelopes.length === 0) return;
  await outboxTables(trx).insertInto('outbox').values(outboxRows(envelopes)).execute();
}

/**
 * Stores events, in one statement, only when the query `unless` finds no row; returns whether they
 * were stored. For a write that is nothing but a check and its events: one round trip, where a
 * transaction would add a BEGIN and a COMMIT. A single statement is atomic without one.
 */
export async function enqueueUnless(
  db: AnyDb,
  envelopes: readonly Envelope[],
  unless: RawBuilder<unknown>,
): Promise<boolean> {
  if (envelopes.length === 0) return false;
  const values = outboxRows(envelopes).map((r) => sql`(${r.id}::uuid, ${r.subject}, ${r.envelope}::jsonb)`);
  const result = await sql`
    INSERT INTO outbox (id, subject, envelope)
    SELECT * FROM (VALUES ${sql.join(values)}) AS v (id, subject, envelope)
    WHERE NOT EXISTS (${unless})
  `.execute(outboxTables(db));
  return Number(result.numAffectedRows ?? 0n) > 0;
}

function outboxRows(envelopes: readonly Envelope[]) {
  return envelopes.map((e) => {
    const parsed = Envelope.safeParse(e);
    if (!parsed.success) {
      // A malformed envelope would be published and then dead-lettered by every consumer; refuse it here.
      throw new DomainError('internal', 'events.invalid_envelope', {
        message: `not an envelope: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
      });
    }
    return { id: e.id, subject: e.subject, envelope: JSON.stringify(e) };
  });
}

/**
 * Records that `consumer` has handled `messageId` (the envelope id) and returns true the first
 * time, false on every redelivery. Call it in the same transaction as the handler's writes and
 * skip the work when it returns false: the effect then happens exactly once even though JetStream
 * delivers at least once. Rolling the transaction back forgets the id, so a retry runs again.
 */
export async function processOnce(trx: InTransaction, consumer: string, messageId: string): Promise<boolean> {
  const result = await outboxTables(trx)
    .insertInto('processed_messages')
    .values({ consumer, message_id: messageId })
    .onConflict((oc) => oc.columns(['consumer', 'message_id']).doNothing())
    .executeTakeFirst();
  return result.numInsertedOrUpdatedRows === 1n;
}

/**
 * `IdempotencyStore` for `consume` from @idp/events, backed by `processed_messages`. It remembers
 * ids across restarts and instances, but `has` and `add` are separate statements: for effects in
 * PostgreSQL prefer `processOnce` inside the handler's own transaction.
 */
export function pgIdempotencyStore(db: AnyDb, consumer: string): IdempotencyStore {
  const t = outboxTables(db);
  return {
    async has(id) {
      const row = await t
        .selectFrom('processed_messages')
        .select('message_id')
        .where('consumer', '=', consumer)
        .where('message_id', '=', id)
        .executeTakeFirst();
      return row !== undefined;
    },
    async add(id) {
      await t
        .insertInto('processed_messages')
        .values({ consumer, message_id: id })
        .onConflict((oc) => oc.columns(['consumer', 'message_id']).doNothing())
        .execute();
    },
  };
}
