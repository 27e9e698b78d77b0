import { sql, type Migration } from 'kysely';

/**
 * Erasure keeps the account row as a tombstone (state `erased`, `erased_at`) so event references to
 * its id still resolve, with every personal column emptied: the e-mail address becomes nullable so
 * erasing frees it, and only an erased account may lack one.
 */
export const accounts0004: Migration = {
  async up(db) {
    await sql`
      ALTER TABLE accounts
        ALTER COLUMN email DROP NOT NULL,
        ADD COLUMN erased_at timestamptz,
        DROP CONSTRAINT accounts_state,
        ADD CONSTRAINT accounts_state CHECK (state IN
          ('registered', 'email_confirmed', 'smspass_pending', 'smspass_active', 'suspended', 'cancelled', 'erased')),
        ADD CONSTRAINT accounts_erased CHECK ((state = 'erased') = (erased_at IS NOT NULL)),
        ADD CONSTRAINT accounts_email_present CHECK (email IS NOT NULL OR state = 'erased')`.execute(db);
  },
  async down(db) {
    await sql`
      ALTER TABLE accounts
        DROP CONSTRAINT accounts_email_present,
        DROP CONSTRAINT accounts_erased,
        DROP CONSTRAINT accounts_state,
        ADD CONSTRAINT accounts_state CHECK (state IN
          ('registered', 'email_confirmed', 'smspass_pending', 'smspass_active', 'suspended', 'cancelled')),
        DROP COLUMN erased_at,
        ALTER COLUMN email SET NOT NULL`.execute(db);
  },
};
