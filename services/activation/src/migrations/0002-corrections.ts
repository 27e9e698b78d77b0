import { sql, type Migration } from 'kysely';

/**
 * Identity corrections, beside the activation requests of 0001. The proposed values (names, an
 * address) are held only while the correction is submitted: a CHECK erases them with the end of the
 * request, as 0001 does with the code and the phone. One submitted correction per account is a
 * partial unique index; an address is never on path `certificate`.
 */
export const activation0002: Migration = {
  async up(db) {
    await db.schema
      .createTable('corrections')
      .addColumn('id', 'uuid', (c) => c.primaryKey())
      .addColumn('request_number', 'text', (c) => c.notNull())
      .addColumn('account_id', 'uuid', (c) => c.notNull())
      .addColumn('path', 'text', (c) => c.notNull())
      .addColumn('state', 'text', (c) => c.notNull())
      .addColumn('created_at', 'timestamptz', (c) => c.notNull())
      .addColumn('updated_at', 'timestamptz', (c) => c.notNull())
      .addColumn('expires_at', 'timestamptz')
      .addColumn('fields', sql`text[]`, (c) => c.notNull())
      // `{ givenName?, familyName?, address? }`, only the fields corrected.
      .addColumn('proposed', 'jsonb')
      .addColumn('rejection_reason', 'text')
      .addUniqueConstraint('corrections_request_number_key', ['request_number'])
      .addCheckConstraint(
        'corrections_request_number_format',
        sql`request_number ~ '^C-[0-9A-HJKMNP-TV-Z]{8}$'`,
      )
      .addCheckConstraint('corrections_path', sql`path IN ('ra', 'certificate')`)
      .addCheckConstraint(
        'corrections_state',
        sql`state IN ('submitted', 'approved', 'rejected', 'cancelled', 'expired')`,
      )
      .addCheckConstraint(
        'corrections_fields',
        sql`cardinality(fields) > 0 AND fields <@ ARRAY['given_name', 'family_name', 'address']::text[]`,
      )
      .addCheckConstraint(
        'corrections_address_by_officer',
        sql`path = 'ra' OR NOT ('address' = ANY (fields))`,
      )
      // The proposed personal data must not outlive the open request.
      .addCheckConstraint(
        'corrections_erased_when_closed',
        sql`(state = 'submitted') = (proposed IS NOT NULL)`,
      )
      .execute();
    await sql`
      CREATE UNIQUE INDEX corrections_one_open_per_account ON corrections (account_id)
      WHERE state = 'submitted'`.execute(db);
    await db.schema
      .createIndex('corrections_account_created_idx')
      .on('corrections')
      .columns(['account_id', 'created_at'])
      .execute();
    await db.schema
      .createIndex('corrections_state_expires_idx')
      .on('corrections')
      .columns(['state', 'expires_at'])
      .execute();
  },
  async down(db) {
    await db.schema.dropTable('corrections').execute();
  },
};
