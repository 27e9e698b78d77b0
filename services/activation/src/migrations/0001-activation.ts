import { sql, type Migration } from 'kysely';

/**
 * Activation requests and the postal print queue. A code is stored only as its HMAC; the phone
 * being proven only while the request waits for the SMS code. States are CHECKed text so a bad
 * write fails loudly, and one open request per account is a partial unique index, so two
 * concurrent "request smsPASS" clicks cannot both succeed.
 */
export const activation0001: Migration = {
  async up(db) {
    await db.schema
      .createTable('requests')
      .addColumn('id', 'uuid', (c) => c.primaryKey())
      .addColumn('request_number', 'text', (c) => c.notNull())
      .addColumn('account_id', 'uuid', (c) => c.notNull())
      .addColumn('path', 'text', (c) => c.notNull())
      .addColumn('state', 'text', (c) => c.notNull())
      .addColumn('created_at', 'timestamptz', (c) => c.notNull())
      .addColumn('updated_at', 'timestamptz', (c) => c.notNull())
      // When the current state times out; null once the request is finished.
      .addColumn('expires_at', 'timestamptz')
      .addColumn('code_channel', 'text')
      .addColumn('code_hash', 'text')
      .addColumn('code_attempts', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('pending_phone', 'text')
      .addColumn('phone_challenge_id', 'uuid')
      .addColumn('phone_verified_at', 'timestamptz')
      .addColumn('rejection_reason', 'text')
      .addUniqueConstraint('requests_request_number_key', ['request_number'])
      .addCheckConstraint('requests_request_number_format', sql`request_number ~ '^A-[0-9A-HJKMNP-TV-Z]{8}$'`)
      .addCheckConstraint('requests_path', sql`path IN ('ra', 'certificate')`)
      .addCheckConstraint(
        'requests_state',
        sql`state IN ('awaiting_officer', 'awaiting_certificate', 'code_sent', 'phone_pending',
                      'completed', 'rejected', 'expired', 'cancelled', 'blocked')`,
      )
      .addCheckConstraint('requests_code_channel', sql`code_channel IN ('email', 'post')`)
      .addCheckConstraint('requests_pending_phone_format', sql`pending_phone ~ '^\\+[1-9][0-9]{6,14}$'`)
      // The phone and the code's hash must not outlive the open request.
      .addCheckConstraint(
        'requests_erased_when_closed',
        sql`state IN ('awaiting_officer', 'awaiting_certificate', 'code_sent', 'phone_pending')
            OR (code_hash IS NULL AND pending_phone IS NULL AND phone_challenge_id IS NULL)`,
      )
      .execute();
    await sql`
      CREATE UNIQUE INDEX requests_one_open_per_account ON requests (account_id)
      WHERE state IN ('awaiting_officer', 'awaiting_certificate', 'code_sent', 'phone_pending')`.execute(db);
    await db.schema
      .createIndex('requests_account_created_idx')
      .on('requests')
      .columns(['account_id', 'created_at'])
      .execute();
    // The expiry sweep's lookup, and the officer console's "by state" list.
    await db.schema
      .createIndex('requests_state_expires_idx')
      .on('requests')
      .columns(['state', 'expires_at'])
      .execute();

    await db.schema
      .createTable('letters')
      .addColumn('id', 'uuid', (c) => c.primaryKey())
      .addColumn('request_id', 'uuid', (c) => c.notNull().references('requests.id'))
      .addColumn('state', 'text', (c) => c.notNull())
      .addColumn('pdf_path', 'text', (c) => c.notNull())
      .addColumn('created_at', 'timestamptz', (c) => c.notNull())
      .addColumn('printed_at', 'timestamptz')
      .addColumn('printed_by', 'text')
      .addColumn('posted_at', 'timestamptz')
      .addColumn('posted_by', 'text')
      .addCheckConstraint('letters_state', sql`state IN ('queued', 'printed', 'posted')`)
      .execute();
    await db.schema
      .createIndex('letters_state_created_idx')
      .on('letters')
      .columns(['state', 'created_at'])
      .execute();
  },
  async down(db) {
    await db.schema.dropTable('letters').execute();
    await db.schema.dropTable('requests').execute();
  },
};
