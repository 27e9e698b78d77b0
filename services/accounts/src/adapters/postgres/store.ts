import { DomainError } from '@idp/events';
import { enqueue, sql, type Kysely, type Transaction } from '@idp/db';
import type { ThrottleEntry } from '../../domain/login-throttle.js';
import type { AccountRecord, AccountStore, AccountTransaction, SmsPass } from '../../ports.js';
import type { AccountsTables } from './tables.js';

type Db = Kysely<AccountsTables>;

const accountColumns = (db: Db | Transaction<AccountsTables>) =>
  db
    .selectFrom('accounts')
    .select([
      'id',
      'email',
      'password_hash',
      'given_name',
      'family_name',
      'tax_number',
      sql<string | null>`to_char(birth_date, 'YYYY-MM-DD')`.as('birth_date'),
      'sms_pass',
      'suspended_at',
    ]);

type AccountRow = {
  id: string;
  email: string;
  password_hash: string;
  given_name: string | null;
  family_name: string | null;
  tax_number: string | null;
  birth_date: string | null;
  sms_pass: string;
  suspended_at: Date | null;
};

const toRecord = (r: AccountRow): AccountRecord => ({
  id: r.id,
  email: r.email,
  passwordHash: r.password_hash,
  givenName: r.given_name,
  familyName: r.family_name,
  taxNumber: r.tax_number,
  birthDate: r.birth_date,
  // The column's CHECK constraint admits only SmsPassStatus values.
  smsPass: r.sms_pass as SmsPass,
  suspendedAt: r.suspended_at,
});

interface ThrottleRow {
  key: string;
  failures: number;
  window_started_at: Date;
  locked_until: Date | null;
}

const toEntry = (r: Omit<ThrottleRow, 'key'>): ThrottleEntry => ({
  failures: r.failures,
  windowStartedAt: r.window_started_at,
  lockedUntil: r.locked_until,
});

// Constraint names from migration 0001, mapped to the error the caller can act on.
const UNIQUE_VIOLATIONS: Record<string, DomainError['code']> = {
  accounts_email_key: 'accounts.email_taken',
  accounts_tax_number_key: 'accounts.tax_number_taken',
};

function mapUniqueViolation(err: unknown): unknown {
  const e = err as { code?: unknown; constraint?: unknown };
  const code =
    e.code === '23505' && typeof e.constraint === 'string' ? UNIQUE_VIOLATIONS[e.constraint] : undefined;
  return code ? new DomainError('already_exists', code, { message: 'already taken' }) : err;
}

function transactionPort(trx: Transaction<AccountsTables>): AccountTransaction {
  return {
    async insertAccount(a, phone) {
      try {
        await trx
          .insertInto('accounts')
          .values({
            id: a.id,
            email: a.email,
            password_hash: a.passwordHash,
            given_name: a.givenName ?? null,
            family_name: a.familyName ?? null,
            tax_number: a.taxNumber ?? null,
            birth_date: a.birthDate ?? null,
            sms_pass: a.smsPass,
            created_at: a.createdAt,
            updated_at: a.createdAt,
          })
          .execute();
      } catch (err) {
        throw mapUniqueViolation(err);
      }
      if (phone) {
        await trx
          .insertInto('phones')
          .values({
            id: phone.id,
            account_id: phone.accountId,
            e164: phone.e164,
            verified_at: phone.verifiedAt,
            created_at: phone.createdAt,
          })
          .execute();
      }
    },

    async updatePasswordHash(accountId, passwordHash, now) {
      await trx
        .updateTable('accounts')
        .set({ password_hash: passwordHash, updated_at: now })
        .where('id', '=', accountId)
        .execute();
    },

    async lockThrottle(keys) {
      // Sorted, so two transactions wanting the same keys lock them in the same order (no deadlock).
      const sorted = [...new Set(keys)].sort();
      const epoch = new Date(0);
      await trx
        .insertInto('login_throttle')
        .values(
          sorted.map((key) => ({
            key,
            failures: 0,
            window_started_at: epoch,
            locked_until: null,
            expires_at: epoch,
          })),
        )
        .onConflict((oc) => oc.column('key').doNothing())
        .execute();
      const rows = await trx
        .selectFrom('login_throttle')
        .select(['key', 'failures', 'window_started_at', 'locked_until'])
        .where('key', 'in', sorted)
        .orderBy('key')
        .forUpdate()
        .execute();
      return new Map(rows.map((r) => [r.key, toEntry(r)]));
    },

    async lockOneThrottle(lockKey, readKey) {
      // FOR UPDATE in a CTE: only the first row is locked, so citizens behind one NAT address are not
      // queued one after another on the address row.
      const { rows } = await sql<ThrottleRow>`
        WITH locked AS (
          SELECT key, failures, window_started_at, locked_until FROM login_throttle
          WHERE key = ${lockKey} FOR UPDATE
        )
        SELECT * FROM locked
        UNION ALL
        SELECT key, failures, window_started_at, locked_until FROM login_throttle WHERE key = ${readKey}
      `.execute(trx);
      return new Map(rows.map((r) => [r.key, toEntry(r)]));
    },

    async saveThrottle(key, entry, expiresAt) {
      await trx
        .updateTable('login_throttle')
        .set({
          failures: entry.failures,
          window_started_at: entry.windowStartedAt,
          locked_until: entry.lockedUntil,
          expires_at: expiresAt,
        })
        .where('key', '=', key)
        .execute();
    },

    async clearThrottle(key) {
      await trx.deleteFrom('login_throttle').where('key', '=', key).execute();
    },

    enqueue: (envelopes) => enqueue(trx, envelopes),

    async lockAccount(accountId) {
      const row = await accountColumns(trx).where('id', '=', accountId).forUpdate().executeTakeFirst();
      return row && toRecord(row);
    },

    async findSmsPassActivation(requestId) {
      const row = await trx
        .selectFrom('smspass_activations')
        .select('account_id')
        .where('request_id', '=', requestId)
        .executeTakeFirst();
      return row && { accountId: row.account_id };
    },

    async activateSmsPass(o) {
      const phone = await trx
        .insertInto('phones')
        .values({
          id: o.phoneId,
          account_id: o.accountId,
          e164: o.e164,
          verified_at: o.now,
          created_at: o.now,
        })
        .onConflict((oc) =>
          oc
            .columns(['account_id', 'e164'])
            .doUpdateSet({ verified_at: sql<Date>`coalesce(phones.verified_at, excluded.verified_at)` }),
        )
        .returning('id')
        .executeTakeFirstOrThrow();
      await trx
        .updateTable('accounts')
        .set({ sms_pass: 'active', updated_at: o.now })
        .where('id', '=', o.accountId)
        .execute();
      await trx
        .insertInto('smspass_activations')
        .values({ request_id: o.requestId, account_id: o.accountId, phone_id: phone.id, activated_at: o.now })
        .execute();
    },
  };
}

/** The accounts schema in PostgreSQL (search_path already points at it). */
export function createPostgresAccountStore(db: Db): AccountStore {
  return {
    async findByEmail(email) {
      const row = await accountColumns(db).where('email', '=', email).executeTakeFirst();
      return row && toRecord(row);
    },

    async findById(id) {
      const row = await accountColumns(db).where('id', '=', id).executeTakeFirst();
      return row && toRecord(row);
    },

    async findVerifiedPhone(accountId) {
      const row = await db
        .selectFrom('phones')
        .select('e164')
        .where('account_id', '=', accountId)
        .where('verified_at', 'is not', null)
        .orderBy('verified_at')
        .orderBy('id')
        .limit(1)
        .executeTakeFirst();
      return row?.e164;
    },

    async findForLogin(email, keys) {
      // One round trip instead of three (account, phone, throttle): each costs more than the query.
      const { rows } = await sql<
        ({ kind: 'account'; phone: string | null } & AccountRow) | ({ kind: 'throttle' } & ThrottleRow)
      >`
        WITH a AS (
          SELECT id, email, password_hash, given_name, family_name, tax_number,
                 to_char(birth_date, 'YYYY-MM-DD') AS birth_date, sms_pass, suspended_at
          FROM accounts WHERE email = ${email}
        )
        SELECT 'account' AS kind, a.*, (
          SELECT e164 FROM phones
          WHERE account_id = a.id AND verified_at IS NOT NULL
          ORDER BY verified_at, id LIMIT 1
        ) AS phone, NULL::int AS failures, NULL::timestamptz AS window_started_at,
          NULL::timestamptz AS locked_until, NULL::text AS key
        FROM a
        UNION ALL
        SELECT 'throttle', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
               t.failures, t.window_started_at, t.locked_until, t.key
        FROM login_throttle t
        WHERE t.key IN (${keys.nameKey}, ${keys.addressKey})
           OR t.key = (SELECT ${keys.accountKeyPrefix} || a.id FROM a)
      `.execute(db);
      let accountRow: (AccountRow & { phone: string | null }) | undefined;
      const throttle = new Map<string, ThrottleEntry>();
      for (const r of rows) {
        if (r.kind === 'account') accountRow = r;
        else throttle.set(r.key, toEntry(r));
      }
      return {
        account: accountRow && toRecord(accountRow),
        verifiedPhone: accountRow?.phone ?? undefined,
        throttle,
      };
    },

    async readThrottle(keys) {
      if (keys.length === 0) return new Map();
      const rows = await db
        .selectFrom('login_throttle')
        .select(['key', 'failures', 'window_started_at', 'locked_until'])
        .where('key', 'in', [...keys])
        .execute();
      return new Map(rows.map((r) => [r.key, toEntry(r)]));
    },

    transaction: (work) => db.transaction().execute((trx) => work(transactionPort(trx))),

    async pruneThrottle(now) {
      const r = await db.deleteFrom('login_throttle').where('expires_at', '<', now).executeTakeFirst();
      return Number(r.numDeletedRows);
    },
  };
}
