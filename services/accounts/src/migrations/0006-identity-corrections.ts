import { sql, type Migration } from 'kysely';

/**
 * Identity corrections accounts has applied, by the correction request that asked: the record that
 * makes `idp.rpc.accounts.correct_identity.v1` idempotent (a retry after a lost reply changes and
 * mails nothing twice). Field names only; the values are on the account.
 */
export const accounts0006: Migration = {
  async up(db) {
    await db.schema
      .createTable('identity_corrections')
      .addColumn('request_id', 'uuid', (c) => c.primaryKey())
      .addColumn('account_id', 'uuid', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
      .addColumn('fields', sql`text[]`, (c) => c.notNull())
      .addColumn('applied_at', 'timestamptz', (c) => c.notNull())
      .addCheckConstraint(
        'identity_corrections_fields',
        sql`fields <@ ARRAY['given_name', 'family_name', 'address']::text[]`,
      )
      .execute();
    await db.schema
      .createIndex('identity_corrections_account_idx')
      .on('identity_corrections')
      .column('account_id')
      .execute();
  },
  async down(db) {
    await db.schema.dropTable('identity_corrections').execute();
  },
};
