import { sql, type Migration } from 'kysely';

/**
 * Officer accounts, their console sessions and the ID checks they decide. No scans or photos of
 * documents are ever stored: type, number and expiry only, and the number never leaves this schema.
 */
export const ra0001: Migration = {
  async up(db) {
    await db.schema
      .createTable('officers')
      .addColumn('id', 'uuid', (c) => c.primaryKey())
      .addColumn('email', 'text', (c) => c.notNull())
      .addColumn('display_name', 'text', (c) => c.notNull())
      .addColumn('password_hash', 'text', (c) => c.notNull())
      // AES-256-GCM sealed base32 seed (see adapters/crypto); set at the first enrolment page.
      .addColumn('totp_secret', 'text')
      // Null until the officer has proved the app works by typing a code from it.
      .addColumn('totp_enrolled_at', 'timestamptz')
      // The newest 30-second step a code was accepted for: a code of that step or older is a replay.
      .addColumn('totp_last_step', 'bigint')
      .addColumn('failed_logins', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('locked_until', 'timestamptz')
      .addColumn('disabled_at', 'timestamptz')
      .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
      .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
      .addUniqueConstraint('officers_email_key', ['email'])
      .addCheckConstraint('officers_email_lower', sql`email = lower(email)`)
      .addCheckConstraint(
        'officers_enrolled_has_secret',
        sql`totp_enrolled_at IS NULL OR totp_secret IS NOT NULL`,
      )
      .execute();

    // The cookie holds a random token; only its SHA-256 is stored, so a database reader cannot log in.
    await db.schema
      .createTable('officer_sessions')
      .addColumn('token_hash', 'text', (c) => c.primaryKey())
      .addColumn('officer_id', 'uuid', (c) => c.notNull().references('officers.id').onDelete('cascade'))
      .addColumn('stage', 'text', (c) => c.notNull())
      .addColumn('csrf_token', 'text', (c) => c.notNull())
      .addColumn('created_at', 'timestamptz', (c) => c.notNull())
      .addColumn('last_seen_at', 'timestamptz', (c) => c.notNull())
      .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
      .addCheckConstraint('officer_sessions_stage', sql`stage IN ('second_factor', 'active')`)
      .execute();
    await db.schema
      .createIndex('officer_sessions_officer_idx')
      .on('officer_sessions')
      .column('officer_id')
      .execute();

    // One decision per activation request: a second officer (or a double click) cannot decide it again.
    await db.schema
      .createTable('id_checks')
      .addColumn('id', 'uuid', (c) => c.primaryKey())
      .addColumn('request_id', 'uuid', (c) => c.notNull())
      .addColumn('request_number', 'text', (c) => c.notNull())
      .addColumn('account_id', 'uuid', (c) => c.notNull())
      .addColumn('officer_id', 'uuid', (c) => c.notNull().references('officers.id'))
      .addColumn('decision', 'text', (c) => c.notNull())
      .addColumn('document_type', 'text')
      .addColumn('document_number', 'text')
      .addColumn('document_expires_on', 'date')
      .addColumn('rejection_reason', 'text')
      .addColumn('decided_at', 'timestamptz', (c) => c.notNull())
      .addUniqueConstraint('id_checks_request_key', ['request_id'])
      .addCheckConstraint(
        'id_checks_decision',
        sql`(decision = 'approved' AND document_type IN ('identity_card', 'passport', 'driving_licence')
              AND document_number IS NOT NULL AND document_expires_on IS NOT NULL AND rejection_reason IS NULL)
          OR (decision = 'rejected' AND rejection_reason IS NOT NULL)`,
      )
      .execute();
  },
  async down(db) {
    await db.schema.dropTable('id_checks').execute();
    await db.schema.dropTable('officer_sessions').execute();
    await db.schema.dropTable('officers').execute();
  },
};
