import { sql, type Migration } from 'kysely';

/**
 * One data key per person, for the personal data events carry encrypted (crypto-shredding). The key
 * is stored wrapped under the master key; erasing the account wipes it and keeps the row, so the log
 * can say when the values became unreadable. No foreign key to `accounts`: the tombstone outlives
 * the account row. Independent of migrations 0002–0004.
 */
export const accounts0005: Migration = {
  async up(db) {
    await db.schema
      .createTable('person_keys')
      .addColumn('account_id', 'uuid', (c) => c.primaryKey())
      .addColumn('key_id', 'text', (c) => c.notNull().unique())
      .addColumn('wrapped_key', 'text')
      .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
      .addColumn('destroyed_at', 'timestamptz')
      .addCheckConstraint(
        'person_keys_wrapped_xor_destroyed',
        sql`(wrapped_key IS NULL) = (destroyed_at IS NOT NULL)`,
      )
      .execute();
  },
  async down(db) {
    await db.schema.dropTable('person_keys').execute();
  },
};
