import { randomUUID } from 'node:crypto';
import { ActivationMailSendJobV1, DomainError } from '@idp/events';
import {
  enqueue,
  enqueueUnless,
  processOnce,
  sql,
  type Kysely,
  type Selectable,
  type Transaction,
} from '@idp/db';
import {
  smsPassOf,
  type AccountLifecycle,
  type AccountState,
  type LiveState,
} from '../../domain/account-state.js';
import type { ThrottleEntry } from '../../domain/login-throttle.js';
import type {
  AccountRecord,
  AccountStore,
  AccountTransaction,
  PersonKeyRow,
  PostalAddress,
  SmsPass,
  TokenRow,
} from '../../ports.js';
import type { AccountsTables, PersonKeysTable } from './tables.js';

type Db = Kysely<AccountsTables>;

const ACCOUNT_FIELDS = [
  'accounts.id',
  'accounts.email',
  'accounts.password_hash',
  'accounts.given_name',
  'accounts.family_name',
  'accounts.tax_number',
  'accounts.sms_pass',
  'accounts.suspended_at',
  'accounts.state',
  'accounts.suspended_from',
  'accounts.emso',
  'accounts.language',
  'accounts.created_at',
] as const;
const birthDateColumn = sql<string | null>`to_char(accounts.birth_date, 'YYYY-MM-DD')`.as('birth_date');

const ADDRESS_FIELDS = [
  'permanent_addresses.street',
  'permanent_addresses.postal_code',
  'permanent_addresses.city',
  'permanent_addresses.country',
] as const;
type AddressColumns = {
  street: string | null;
  postal_code: string | null;
  city: string | null;
  country: string | null;
};
/** The address columns of a row (a LEFT JOIN leaves them null when there is none). */
const toAddress = (r: AddressColumns | undefined) =>
  r && r.street !== null && r.postal_code !== null && r.city !== null && r.country !== null
    ? { street: r.street, postalCode: r.postal_code, city: r.city, country: r.country }
    : undefined;

const accountColumns = (db: Db | Transaction<AccountsTables>) =>
  db.selectFrom('accounts').select([...ACCOUNT_FIELDS, birthDateColumn]);

type AccountRow = {
  id: string;
  email: string | null;
  password_hash: string;
  given_name: string | null;
  family_name: string | null;
  tax_number: string | null;
  birth_date: string | null;
  sms_pass: string;
  suspended_at: Date | null;
  state: string;
  suspended_from: string | null;
  emso: string | null;
  language: 'sl' | 'en';
  created_at: Date;
};

const toRecord = (r: AccountRow): AccountRecord => ({
  id: r.id,
  // Null only for an erased account, which nothing mails or logs in.
  email: r.email ?? '',
  passwordHash: r.password_hash,
  givenName: r.given_name,
  familyName: r.family_name,
  taxNumber: r.tax_number,
  birthDate: r.birth_date,
  // The column's CHECK constraint admits only SmsPassStatus values.
  smsPass: r.sms_pass as SmsPass,
  suspendedAt: r.suspended_at,
  // CHECK constraints of migration 0002 admit only lifecycle states here.
  lifecycle: { state: r.state as AccountState, suspendedFrom: r.suspended_from as LiveState | null },
  emso: r.emso,
  language: r.language,
  createdAt: r.created_at,
});

/** The columns login reads, written from the lifecycle so they never disagree with it. */
const lifecycleColumns = (l: AccountLifecycle, now: Date) => ({
  state: l.state,
  suspended_from: l.suspendedFrom,
  sms_pass: smsPassOf(l),
  suspended_at: l.state === 'suspended' ? now : null,
});

const toToken = (r: {
  token_hash: Buffer;
  account_id: string;
  purpose: TokenRow['purpose'];
  expires_at: Date;
  used_at: Date | null;
  created_at: Date;
}): TokenRow => ({
  hash: r.token_hash,
  accountId: r.account_id,
  purpose: r.purpose,
  expiresAt: r.expires_at,
  usedAt: r.used_at,
  createdAt: r.created_at,
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
  accounts_emso_key: 'accounts.emso_taken',
};

function mapUniqueViolation(err: unknown): unknown {
  const e = err as { code?: unknown; constraint?: unknown };
  const code =
    e.code === '23505' && typeof e.constraint === 'string' ? UNIQUE_VIOLATIONS[e.constraint] : undefined;
  return code ? new DomainError('already_exists', code, { message: 'already taken' }) : err;
}

const toPersonKey = (r: Selectable<PersonKeysTable>): PersonKeyRow => ({
  accountId: r.account_id,
  keyId: r.key_id,
  wrappedKey: r.wrapped_key,
  createdAt: r.created_at,
  destroyedAt: r.destroyed_at,
});

function transactionPort(trx: Transaction<AccountsTables>): AccountTransaction {
  // Crypto-shredding: without the wrapped key the person's encrypted event fields can never be read again.
  const destroyPersonKey = async (accountId: string, now: Date): Promise<boolean> => {
    const r = await trx
      .updateTable('person_keys')
      .set({ wrapped_key: null, destroyed_at: now })
      .where('account_id', '=', accountId)
      .where('destroyed_at', 'is', null)
      .executeTakeFirst();
    return r.numUpdatedRows > 0n;
  };
  const saveAddress = async (accountId: string, a: PostalAddress, now: Date): Promise<void> => {
    await trx
      .insertInto('permanent_addresses')
      .values({
        account_id: accountId,
        street: a.street,
        postal_code: a.postalCode,
        city: a.city,
        country: a.country,
        updated_at: now,
      })
      .onConflict((oc) =>
        oc.column('account_id').doUpdateSet({
          street: a.street,
          postal_code: a.postalCode,
          city: a.city,
          country: a.country,
          updated_at: now,
        }),
      )
      .execute();
  };
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
            ...lifecycleColumns(a.lifecycle, a.createdAt),
            emso: a.emso ?? null,
            ...(a.language ? { language: a.language } : {}),
            terms_version: a.terms?.version ?? null,
            terms_accepted_at: a.terms?.acceptedAt ?? null,
            email_confirmed_at: a.emailConfirmedAt,
            created_at: a.createdAt,
            updated_at: a.createdAt,
          })
          .execute();
      } catch (err) {
        throw mapUniqueViolation(err);
      }
      if (a.address) {
        await trx
          .insertInto('permanent_addresses')
          .values({
            account_id: a.id,
            street: a.address.street,
            postal_code: a.address.postalCode,
            city: a.address.city,
            country: a.address.country,
            updated_at: a.createdAt,
          })
          .execute();
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

    async lockAccount(id) {
      const row = await accountColumns(trx).where('id', '=', id).forUpdate().executeTakeFirst();
      return row && toRecord(row);
    },
    async lockAccountByEmail(email) {
      const row = await accountColumns(trx).where('email', '=', email).forUpdate().executeTakeFirst();
      return row && toRecord(row);
    },
    async saveLifecycle(accountId, lifecycle, now) {
      await trx
        .updateTable('accounts')
        .set({
          ...lifecycleColumns(lifecycle, now),
          ...(lifecycle.state === 'email_confirmed'
            ? { email_confirmed_at: sql<Date>`coalesce(email_confirmed_at, ${now})` }
            : {}),
          updated_at: now,
        })
        .where('id', '=', accountId)
        .execute();
    },
    async eraseAccount(accountId, lifecycle, now) {
      // Everything that hangs off the account and holds personal data goes; the row stays a tombstone.
      for (const table of ['phones', 'contact_emails', 'permanent_addresses', 'account_tokens'] as const)
        await trx.deleteFrom(table).where('account_id', '=', accountId).execute();
      await trx
        .updateTable('accounts')
        .set({
          email: null,
          password_hash: '',
          given_name: null,
          family_name: null,
          tax_number: null,
          birth_date: null,
          emso: null,
          ...lifecycleColumns(lifecycle, now),
          erased_at: now,
          updated_at: now,
        })
        .where('id', '=', accountId)
        .execute();
      // The outbox keeps its rows after the relay has sent them, and a mail job holds the recipient
      // and the mail's parameters sealed under MAIL_SEAL_KEY, which this service holds: in clear for
      // us, so they go too. One not yet relayed is a mail to the address being erased: not sent.
      await trx
        .deleteFrom('outbox')
        .where('subject', '=', ActivationMailSendJobV1.subject)
        .where(sql<string>`envelope->'aggregate'->>'type'`, '=', 'account')
        .where(sql<string>`envelope->'aggregate'->>'id'`, '=', accountId)
        .execute();
      // The personal data in the log goes with the person's key, in the same transaction.
      await destroyPersonKey(accountId, now);
    },
    async removePhone(accountId, e164) {
      const row = await trx
        .deleteFrom('phones')
        .where('account_id', '=', accountId)
        .where('e164', '=', e164)
        .returning(['id', 'verified_at'])
        .executeTakeFirst();
      return row && { id: row.id, verified: row.verified_at !== null };
    },
    async lockPhones(accountId) {
      const rows = await trx
        .selectFrom('phones')
        .select(['id', 'e164', 'verified_at'])
        .where('account_id', '=', accountId)
        .orderBy('created_at')
        .forUpdate()
        .execute();
      return rows.map((r) => ({ id: r.id, e164: r.e164, verified: r.verified_at !== null }));
    },
    async bindPhone(accountId, e164, now) {
      const row = await trx
        .insertInto('phones')
        .values({ id: randomUUID(), account_id: accountId, e164, verified_at: now, created_at: now })
        .onConflict((oc) =>
          oc
            .columns(['account_id', 'e164'])
            .doUpdateSet({ verified_at: sql<Date>`coalesce(phones.verified_at, excluded.verified_at)` }),
        )
        .returning('id')
        .executeTakeFirstOrThrow();
      return row.id;
    },
    async deleteAccount(accountId) {
      await trx.deleteFrom('accounts').where('id', '=', accountId).execute();
    },
    async insertToken(t) {
      await trx
        .insertInto('account_tokens')
        .values({
          token_hash: t.hash,
          account_id: t.accountId,
          purpose: t.purpose,
          expires_at: t.expiresAt,
          used_at: t.usedAt,
          created_at: t.createdAt,
        })
        .execute();
    },
    async lockToken(hash) {
      const row = await trx
        .selectFrom('account_tokens')
        .selectAll()
        .where('token_hash', '=', hash)
        .forUpdate()
        .executeTakeFirst();
      return row && toToken(row);
    },
    async spendTokens(accountId, purpose, now) {
      await trx
        .updateTable('account_tokens')
        .set({ used_at: now })
        .where('account_id', '=', accountId)
        .where('purpose', '=', purpose)
        .where('used_at', 'is', null)
        .execute();
    },
    saveAddress,
    async findIdentityCorrection(requestId) {
      const row = await trx
        .selectFrom('identity_corrections')
        .select('account_id')
        .where('request_id', '=', requestId)
        .executeTakeFirst();
      return row && { accountId: row.account_id };
    },
    async correctIdentity(o) {
      const names = {
        ...(o.givenName !== undefined ? { given_name: o.givenName } : {}),
        ...(o.familyName !== undefined ? { family_name: o.familyName } : {}),
      };
      await trx
        .updateTable('accounts')
        .set({ ...names, updated_at: o.now })
        .where('id', '=', o.accountId)
        .execute();
      if (o.address) await saveAddress(o.accountId, o.address, o.now);
      await trx
        .insertInto('identity_corrections')
        .values({
          request_id: o.requestId,
          account_id: o.accountId,
          fields: [...o.fields],
          applied_at: o.now,
        })
        .execute();
    },
    async addContactEmail(accountId, email, now) {
      const r = await trx
        .insertInto('contact_emails')
        .values({ id: randomUUID(), account_id: accountId, email, verified_at: null, created_at: now })
        .onConflict((oc) => oc.columns(['account_id', 'email']).doNothing())
        .executeTakeFirst();
      return r.numInsertedOrUpdatedRows === 1n;
    },
    async removeContactEmail(accountId, email) {
      const r = await trx
        .deleteFrom('contact_emails')
        .where('account_id', '=', accountId)
        .where('email', '=', email)
        .executeTakeFirst();
      return r.numDeletedRows > 0n;
    },
    async setLanguage(accountId, language, now) {
      await trx
        .updateTable('accounts')
        .set({ language, updated_at: now })
        .where('id', '=', accountId)
        .execute();
    },
    async addPhone(accountId, e164, now) {
      const r = await trx
        .insertInto('phones')
        .values({ id: randomUUID(), account_id: accountId, e164, verified_at: null, created_at: now })
        .onConflict((oc) => oc.columns(['account_id', 'e164']).doNothing())
        .executeTakeFirst();
      return r.numInsertedOrUpdatedRows === 1n;
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

    async lockPersonKey(accountId) {
      const row = await trx
        .selectFrom('person_keys')
        .selectAll()
        .where('account_id', '=', accountId)
        .forUpdate()
        .executeTakeFirst();
      return row && toPersonKey(row);
    },

    async insertPersonKey(k) {
      await trx
        .insertInto('person_keys')
        .values({
          account_id: k.accountId,
          key_id: k.keyId,
          wrapped_key: k.wrappedKey,
          created_at: k.createdAt,
          destroyed_at: k.destroyedAt,
        })
        .execute();
    },

    destroyPersonKey,

    processOnce(consumer, messageId) {
      return processOnce(trx, consumer, messageId);
    },
    async findSmsPassActivation(requestId) {
      const row = await trx
        .selectFrom('smspass_activations')
        .select('account_id')
        .where('request_id', '=', requestId)
        .executeTakeFirst();
      return row && { accountId: row.account_id };
    },

    async bindActivatedPhone(o) {
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
        .insertInto('smspass_activations')
        .values({ request_id: o.requestId, account_id: o.accountId, phone_id: phone.id, activated_at: o.now })
        .execute();
    },
  };
}

/** The accounts schema in PostgreSQL (search_path already points at it). */
export function createPostgresAccountStore(db: Db): AccountStore {
  return {
    async findPersonKey(accountId) {
      const row = await db
        .selectFrom('person_keys')
        .selectAll()
        .where('account_id', '=', accountId)
        .executeTakeFirst();
      return row && toPersonKey(row);
    },

    async destroyedPersonKeys(keyIds) {
      const rows = await db
        .selectFrom('person_keys')
        .select(['key_id', 'destroyed_at'])
        .where('key_id', 'in', [...keyIds])
        .where('destroyed_at', 'is not', null)
        .execute();
      return rows.map((r) => ({ keyId: r.key_id, destroyedAt: r.destroyed_at! }));
    },

    async findByEmail(email) {
      const row = await accountColumns(db).where('email', '=', email).executeTakeFirst();
      return row && toRecord(row);
    },

    async findById(id) {
      const row = await accountColumns(db).where('id', '=', id).executeTakeFirst();
      return row && toRecord(row);
    },

    async findForAttributes(id) {
      const row = await accountColumns(db)
        .leftJoin('permanent_addresses', 'permanent_addresses.account_id', 'accounts.id')
        .select(ADDRESS_FIELDS)
        .where('accounts.id', '=', id)
        .executeTakeFirst();
      return row && { account: toRecord(row), address: toAddress(row) };
    },

    async personalData(id) {
      const row = await accountColumns(db)
        .select(['terms_version', 'terms_accepted_at'])
        .where('id', '=', id)
        .executeTakeFirst();
      if (!row) return undefined;
      const address = await db
        .selectFrom('permanent_addresses')
        .select(ADDRESS_FIELDS)
        .where('account_id', '=', id)
        .executeTakeFirst();
      const emails = await db
        .selectFrom('contact_emails')
        .select(['email', 'verified_at'])
        .where('account_id', '=', id)
        .orderBy('created_at')
        .orderBy('email')
        .execute();
      const phones = await db
        .selectFrom('phones')
        .select(['e164', 'verified_at'])
        .where('account_id', '=', id)
        .orderBy('created_at')
        .orderBy('e164')
        .execute();
      return {
        account: toRecord(row),
        address: toAddress(address),
        contactEmails: emails.map((e) => ({ email: e.email, verified: e.verified_at !== null })),
        phones: phones.map((p) => ({ e164: p.e164, verified: p.verified_at !== null })),
        termsVersion: row.terms_version,
        termsAcceptedAt: row.terms_accepted_at,
      };
    },
    async exportPersonalData(id) {
      const row = await db
        .selectFrom('accounts')
        .selectAll()
        .select(birthDateColumn)
        .where('id', '=', id)
        .executeTakeFirst();
      if (!row) return undefined;
      const iso = (d: Date | null) => (d ? { v: d.toISOString() } : undefined);
      const opt = <K extends string>(k: K, v: string | null | undefined) =>
        (v === null || v === undefined ? {} : { [k]: v }) as Partial<Record<K, string>>;
      const address = await db
        .selectFrom('permanent_addresses')
        .selectAll()
        .where('account_id', '=', id)
        .executeTakeFirst();
      const emails = await db
        .selectFrom('contact_emails')
        .selectAll()
        .where('account_id', '=', id)
        .orderBy('created_at')
        .execute();
      const phones = await db
        .selectFrom('phones')
        .selectAll()
        .where('account_id', '=', id)
        .orderBy('created_at')
        .execute();
      const activations = await db
        .selectFrom('smspass_activations')
        .select(['request_id', 'activated_at'])
        .where('account_id', '=', id)
        .orderBy('activated_at')
        .execute();
      const lifecycle = {
        state: row.state as AccountState,
        suspendedFrom: row.suspended_from as LiveState | null,
      };
      return {
        account: {
          accountId: row.id,
          state: lifecycle.state,
          ...(lifecycle.suspendedFrom ? { suspendedFrom: lifecycle.suspendedFrom } : {}),
          smsPass: smsPassOf(lifecycle),
          email: row.email ?? '',
          ...opt('emailConfirmedAt', iso(row.email_confirmed_at)?.v),
          language: row.language,
          createdAt: row.created_at.toISOString(),
          updatedAt: row.updated_at.toISOString(),
          ...opt('suspendedAt', iso(row.suspended_at)?.v),
        },
        personalData: {
          ...opt('givenName', row.given_name),
          ...opt('familyName', row.family_name),
          ...opt('taxNumber', row.tax_number),
          ...opt('emso', row.emso),
          ...opt('birthDate', row.birth_date),
        },
        ...(address
          ? {
              address: {
                street: address.street,
                postalCode: address.postal_code,
                city: address.city,
                country: address.country,
                updatedAt: address.updated_at.toISOString(),
              },
            }
          : {}),
        contactEmails: emails.map((e) => ({
          email: e.email,
          verified: e.verified_at !== null,
          addedAt: e.created_at.toISOString(),
          ...opt('verifiedAt', iso(e.verified_at)?.v),
        })),
        phones: phones.map((p) => ({
          phone: p.e164,
          verified: p.verified_at !== null,
          addedAt: p.created_at.toISOString(),
          ...opt('verifiedAt', iso(p.verified_at)?.v),
        })),
        ...(row.terms_version && row.terms_accepted_at
          ? { terms: { version: row.terms_version, acceptedAt: row.terms_accepted_at.toISOString() } }
          : {}),
        smsPassActivations: activations.map((a) => ({
          requestId: a.request_id,
          activatedAt: a.activated_at.toISOString(),
        })),
      };
    },
    async findIdByTaxNumber(taxNumber) {
      const row = await db
        .selectFrom('accounts')
        .select('id')
        .where('tax_number', '=', taxNumber)
        .executeTakeFirst();
      return row?.id;
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
      // The LEFT JOIN from one row gives an unknown name the same single query as a known one.
      const row = await db
        .selectFrom(sql<{ one: number }>`(SELECT 1 AS one)`.as('o'))
        .leftJoin('accounts', (j) => j.on('accounts.email', '=', email))
        .select([
          ...ACCOUNT_FIELDS,
          birthDateColumn,
          sql<string | null>`(
            SELECT e164 FROM phones
            WHERE account_id = accounts.id AND verified_at IS NOT NULL
            ORDER BY verified_at, id LIMIT 1
          )`.as('phone'),
          sql<{ key: string; failures: number; window_started_at: string; locked_until: string | null }[]>`(
            SELECT coalesce(json_agg(json_build_object(
              'key', t.key, 'failures', t.failures,
              'window_started_at', t.window_started_at, 'locked_until', t.locked_until)), '[]'::json)
            FROM login_throttle t
            WHERE t.key IN (${keys.nameKey}, ${keys.addressKey})
               OR t.key = ${keys.accountKeyPrefix} || accounts.id::text
          )`.as('throttle'),
        ])
        .executeTakeFirstOrThrow();
      const throttle = new Map<string, ThrottleEntry>(
        row.throttle.map((t) => [
          t.key,
          toEntry({
            failures: t.failures,
            window_started_at: new Date(t.window_started_at),
            locked_until: t.locked_until === null ? null : new Date(t.locked_until),
          }),
        ]),
      );
      return {
        account: row.id === null ? undefined : toRecord(row as AccountRow),
        verifiedPhone: row.phone ?? undefined,
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

    enqueueUnlessThrottled: (keys, events) =>
      enqueueUnless(db, events, sql`SELECT 1 FROM login_throttle WHERE key IN (${sql.join(keys)})`),

    transaction: (work) => db.transaction().execute((trx) => work(transactionPort(trx))),

    async pruneThrottle(now) {
      const r = await db.deleteFrom('login_throttle').where('expires_at', '<', now).executeTakeFirst();
      return Number(r.numDeletedRows);
    },
  };
}
