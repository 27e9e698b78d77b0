import { sql, type Migration } from 'kysely';

/**
 * Self-registration: the account lifecycle state, terms-of-use acceptance, EMŠO, permanent address,
 * further contact e-mails, and single-use links (e-mail confirmation, password reset) stored only
 * as SHA-256 digests. Existing accounts get the state their smsPASS status and suspension imply;
 * `sms_pass` and `suspended_at` stay, written from the state by the store, because login reads them.
 */
export const accounts0002: Migration = {
  async up(db) {
    await db.schema
      .alterTable('accounts')
      .addColumn('state', 'text', (c) => c.notNull().defaultTo('email_confirmed'))
      // The state a suspension interrupted, for reinstatement; null unless suspended.
      .addColumn('suspended_from', 'text')
      .addColumn('emso', 'text')
      .addColumn('terms_version', 'text')
      .addColumn('terms_accepted_at', 'timestamptz')
      .addColumn('email_confirmed_at', 'timestamptz')
      // The language the citizen's e-mails are written in.
      .addColumn('language', 'text', (c) => c.notNull().defaultTo('sl'))
      .execute();
    // Operator-created accounts vouched for their address, so they count as confirmed.
    await sql`
      UPDATE accounts SET
        state = CASE
          WHEN suspended_at IS NOT NULL THEN 'suspended'
          WHEN sms_pass = 'active' THEN 'smspass_active'
          WHEN sms_pass = 'pending' THEN 'smspass_pending'
          ELSE 'email_confirmed' END,
        suspended_from = CASE
          WHEN suspended_at IS NULL THEN NULL
          WHEN sms_pass = 'active' THEN 'smspass_active'
          WHEN sms_pass = 'pending' THEN 'smspass_pending'
          ELSE 'email_confirmed' END,
        email_confirmed_at = created_at`.execute(db);
    await sql`ALTER TABLE accounts ALTER COLUMN state DROP DEFAULT`.execute(db);
    await sql`
      ALTER TABLE accounts
        ADD CONSTRAINT accounts_state CHECK (state IN
          ('registered', 'email_confirmed', 'smspass_pending', 'smspass_active', 'suspended', 'cancelled')),
        ADD CONSTRAINT accounts_suspended_from CHECK ((state = 'suspended') = (suspended_from IS NOT NULL)
          AND (suspended_from IS NULL OR suspended_from IN
            ('registered', 'email_confirmed', 'smspass_pending', 'smspass_active'))),
        ADD CONSTRAINT accounts_emso_format CHECK (emso ~ '^[0-9]{13}$'),
        ADD CONSTRAINT accounts_emso_key UNIQUE (emso),
        ADD CONSTRAINT accounts_language CHECK (language IN ('sl', 'en')),
        ADD CONSTRAINT accounts_terms CHECK ((terms_version IS NULL) = (terms_accepted_at IS NULL))`.execute(
      db,
    );

    await db.schema
      .createTable('permanent_addresses')
      .addColumn('account_id', 'uuid', (c) => c.primaryKey().references('accounts.id').onDelete('cascade'))
      .addColumn('street', 'text', (c) => c.notNull())
      .addColumn('postal_code', 'text', (c) => c.notNull())
      .addColumn('city', 'text', (c) => c.notNull())
      .addColumn('country', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
      .addCheckConstraint('permanent_addresses_country', sql`country ~ '^[A-Z]{2}$'`)
      .execute();

    // Contact addresses besides the account e-mail (which stays `accounts.email`, the account name).
    await db.schema
      .createTable('contact_emails')
      .addColumn('id', 'uuid', (c) => c.primaryKey())
      .addColumn('account_id', 'uuid', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
      .addColumn('email', 'text', (c) => c.notNull())
      .addColumn('verified_at', 'timestamptz')
      .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
      .addUniqueConstraint('contact_emails_account_email_key', ['account_id', 'email'])
      .addCheckConstraint('contact_emails_lower', sql`email = lower(email)`)
      .execute();

    // A link's token is 32 random bytes; only its SHA-256 is kept, so reading this table (or a backup)
    // does not give anyone a working link. Used and expired rows stay as the record of what happened.
    await db.schema
      .createTable('account_tokens')
      .addColumn('token_hash', 'bytea', (c) => c.primaryKey())
      .addColumn('account_id', 'uuid', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
      .addColumn('purpose', 'text', (c) => c.notNull())
      .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
      .addColumn('used_at', 'timestamptz')
      .addColumn('created_at', 'timestamptz', (c) => c.notNull())
      .addCheckConstraint('account_tokens_purpose', sql`purpose IN ('email_confirmation', 'password_reset')`)
      .addCheckConstraint('account_tokens_hash_length', sql`length(token_hash) = 32`)
      .execute();
    await db.schema
      .createIndex('account_tokens_account_idx')
      .on('account_tokens')
      .columns(['account_id', 'purpose'])
      .execute();
  },
  async down(db) {
    await db.schema.dropTable('account_tokens').execute();
    await db.schema.dropTable('contact_emails').execute();
    await db.schema.dropTable('permanent_addresses').execute();
    await sql`
      ALTER TABLE accounts
        DROP COLUMN state, DROP COLUMN suspended_from, DROP COLUMN emso, DROP COLUMN terms_version,
        DROP COLUMN terms_accepted_at, DROP COLUMN email_confirmed_at, DROP COLUMN language`.execute(db);
  },
};
