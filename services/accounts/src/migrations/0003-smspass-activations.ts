import { sql, type Migration } from 'kysely';

/**
 * smsPASS activations accounts has applied, by the activation request that asked: the record that
 * makes `idp.rpc.accounts.activate_smspass.v1` idempotent (a retry after a lost reply binds nothing
 * twice). It depends only on migration 0001's tables.
 */
export const accounts0003: Migration = {
  async up(db) {
    await db.schema
      .createTable('smspass_activations')
      .addColumn('request_id', 'uuid', (c) => c.primaryKey())
      .addColumn('account_id', 'uuid', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
      .addColumn('phone_id', 'uuid', (c) => c.notNull().references('phones.id').onDelete('cascade'))
      .addColumn('activated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
      .execute();
    await db.schema
      .createIndex('smspass_activations_account_idx')
      .on('smspass_activations')
      .column('account_id')
      .execute();
  },
  async down(db) {
    await db.schema.dropTable('smspass_activations').execute();
  },
};
