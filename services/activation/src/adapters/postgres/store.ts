import { DomainError } from '@idp/events';
import { enqueue, processOnce, type Kysely, type Selectable, type Transaction } from '@idp/db';
import type { CorrectionRequest } from '../../domain/correction.js';
import { OPEN_STATES, type ActivationRequest } from '../../domain/request.js';
import {
  RequestNumberTaken,
  type Letter,
  type LetterState,
  type RequestStore,
  type RequestTransaction,
} from '../../ports.js';
import type { ActivationTables, CorrectionsTable, RequestsTable } from './tables.js';

type Db = Kysely<ActivationTables>;
type Handle = Db | Transaction<ActivationTables>;

// The columns' CHECK constraints admit only the domain's values, hence the casts.
const toRequest = (r: Selectable<RequestsTable>): ActivationRequest => ({
  id: r.id,
  number: r.request_number,
  accountId: r.account_id,
  path: r.path as ActivationRequest['path'],
  state: r.state as ActivationRequest['state'],
  createdAt: r.created_at,
  updatedAt: r.updated_at,
  expiresAt: r.expires_at,
  codeChannel: r.code_channel as ActivationRequest['codeChannel'],
  codeHash: r.code_hash,
  codeAttempts: r.code_attempts,
  pendingPhone: r.pending_phone,
  phoneChallengeId: r.phone_challenge_id,
  phoneVerifiedAt: r.phone_verified_at,
  rejectionReason: r.rejection_reason,
});

const toRow = (r: ActivationRequest): RequestsTable => ({
  id: r.id,
  request_number: r.number,
  account_id: r.accountId,
  path: r.path,
  state: r.state,
  created_at: r.createdAt,
  updated_at: r.updatedAt,
  expires_at: r.expiresAt,
  code_channel: r.codeChannel,
  code_hash: r.codeHash,
  code_attempts: r.codeAttempts,
  pending_phone: r.pendingPhone,
  phone_challenge_id: r.phoneChallengeId,
  phone_verified_at: r.phoneVerifiedAt,
  rejection_reason: r.rejectionReason,
});

// As with requests, the CHECK constraints of migration 0002 admit only the domain's values.
const toCorrection = (r: Selectable<CorrectionsTable>): CorrectionRequest => ({
  id: r.id,
  number: r.request_number,
  accountId: r.account_id,
  path: r.path as CorrectionRequest['path'],
  state: r.state as CorrectionRequest['state'],
  createdAt: r.created_at,
  updatedAt: r.updated_at,
  expiresAt: r.expires_at,
  fields: r.fields as CorrectionRequest['fields'],
  proposed: (r.proposed ?? null) as CorrectionRequest['proposed'],
  rejectionReason: r.rejection_reason,
});

const correctionRow = (c: CorrectionRequest) => ({
  id: c.id,
  request_number: c.number,
  account_id: c.accountId,
  path: c.path,
  state: c.state,
  created_at: c.createdAt,
  updated_at: c.updatedAt,
  expires_at: c.expiresAt,
  fields: c.fields,
  proposed: c.proposed === null ? null : JSON.stringify(c.proposed),
  rejection_reason: c.rejectionReason,
});

const letterQuery = (db: Handle) =>
  db
    .selectFrom('letters')
    .innerJoin('requests', 'requests.id', 'letters.request_id')
    .select([
      'letters.id',
      'letters.request_id',
      'requests.request_number',
      'letters.state',
      'letters.pdf_path',
      'letters.created_at',
      'letters.printed_at',
      'letters.printed_by',
      'letters.posted_at',
      'letters.posted_by',
    ]);

type LetterRow = Awaited<ReturnType<ReturnType<typeof letterQuery>['executeTakeFirstOrThrow']>>;

const toLetter = (r: LetterRow): Letter => ({
  id: r.id,
  requestId: r.request_id,
  requestNumber: r.request_number,
  state: r.state as LetterState,
  pdfPath: r.pdf_path,
  createdAt: r.created_at,
  printedAt: r.printed_at,
  printedBy: r.printed_by,
  postedAt: r.posted_at,
  postedBy: r.posted_by,
});

// Constraint names from migration 0001, mapped to the error the caller can act on.
const UNIQUE_VIOLATIONS: Record<string, DomainError['code']> = {
  requests_one_open_per_account: 'activation.request_exists',
  corrections_one_open_per_account: 'activation.correction_exists',
};
const NUMBER_KEYS = ['requests_request_number_key', 'corrections_request_number_key'];

function mapUniqueViolation(err: unknown): unknown {
  const e = err as { code?: unknown; constraint?: unknown };
  if (e.code === '23505' && NUMBER_KEYS.includes(String(e.constraint))) return new RequestNumberTaken();
  const code =
    e.code === '23505' && typeof e.constraint === 'string' ? UNIQUE_VIOLATIONS[e.constraint] : undefined;
  return code
    ? new DomainError('already_exists', code, { message: 'the account already has an open request' })
    : err;
}

function transactionPort(trx: Transaction<ActivationTables>): RequestTransaction {
  return {
    async insert(request) {
      try {
        await trx.insertInto('requests').values(toRow(request)).execute();
      } catch (err) {
        throw mapUniqueViolation(err);
      }
    },

    async lock(requestId) {
      const row = await trx
        .selectFrom('requests')
        .selectAll()
        .where('id', '=', requestId)
        .forUpdate()
        .executeTakeFirst();
      return row && toRequest(row);
    },

    async save(request) {
      const {
        id: _id,
        request_number: _n,
        account_id: _a,
        path: _p,
        created_at: _c,
        ...changes
      } = toRow(request);
      await trx.updateTable('requests').set(changes).where('id', '=', request.id).execute();
    },

    async insertLetter(l) {
      await trx
        .insertInto('letters')
        .values({
          id: l.id,
          request_id: l.requestId,
          state: l.state,
          pdf_path: l.pdfPath,
          created_at: l.createdAt,
          printed_at: l.printedAt,
          printed_by: l.printedBy,
          posted_at: l.postedAt,
          posted_by: l.postedBy,
        })
        .execute();
    },

    async lockLetter(letterId) {
      const row = await letterQuery(trx)
        .where('letters.id', '=', letterId)
        .forUpdate('letters')
        .executeTakeFirst();
      return row && toLetter(row);
    },

    async saveLetter(l) {
      await trx
        .updateTable('letters')
        .set({
          state: l.state,
          printed_at: l.printedAt,
          printed_by: l.printedBy,
          posted_at: l.postedAt,
          posted_by: l.postedBy,
        })
        .where('id', '=', l.id)
        .execute();
    },

    async insertCorrection(correction) {
      try {
        await trx.insertInto('corrections').values(correctionRow(correction)).execute();
      } catch (err) {
        throw mapUniqueViolation(err);
      }
    },

    async lockCorrection(correctionId) {
      const row = await trx
        .selectFrom('corrections')
        .selectAll()
        .where('id', '=', correctionId)
        .forUpdate()
        .executeTakeFirst();
      return row && toCorrection(row);
    },

    async saveCorrection(correction) {
      const {
        id: _id,
        request_number: _n,
        account_id: _a,
        path: _p,
        created_at: _c,
        fields: _f,
        ...changes
      } = correctionRow(correction);
      await trx.updateTable('corrections').set(changes).where('id', '=', correction.id).execute();
    },

    enqueue: (envelopes) => enqueue(trx, envelopes),
    processOnce: (consumer, messageId) => processOnce(trx, consumer, messageId),
  };
}

/** `IN ()` is not SQL: an empty list matches no account instead. */
const accountIdsOf = (ids: readonly string[]) =>
  ids.length ? [...ids] : ['00000000-0000-0000-0000-000000000000'];

/** The activation schema in PostgreSQL (search_path already points at it). */
export function createPostgresRequestStore(db: Db): RequestStore {
  return {
    async findLatestForAccount(accountId) {
      const row = await db
        .selectFrom('requests')
        .selectAll()
        .where('account_id', '=', accountId)
        .orderBy('created_at', 'desc')
        .orderBy('id', 'desc')
        .limit(1)
        .executeTakeFirst();
      return row && toRequest(row);
    },

    async findForOfficer(q) {
      let query = db.selectFrom('requests').selectAll();
      if (q.requestNumber) query = query.where('request_number', '=', q.requestNumber);
      if (q.accountIds) query = query.where('account_id', 'in', accountIdsOf(q.accountIds));
      if (q.state) query = query.where('state', '=', q.state);
      const rows = await query.orderBy('created_at', 'desc').orderBy('id').limit(q.limit).execute();
      return rows.map(toRequest);
    },

    async findLatestCorrection(accountId) {
      const row = await db
        .selectFrom('corrections')
        .selectAll()
        .where('account_id', '=', accountId)
        .orderBy('created_at', 'desc')
        .orderBy('id', 'desc')
        .limit(1)
        .executeTakeFirst();
      return row && toCorrection(row);
    },

    async findCorrectionsForOfficer(q) {
      let query = db.selectFrom('corrections').selectAll();
      if (q.requestNumber) query = query.where('request_number', '=', q.requestNumber);
      if (q.accountIds) query = query.where('account_id', 'in', accountIdsOf(q.accountIds));
      if (q.state) query = query.where('state', '=', q.state);
      const rows = await query.orderBy('created_at', 'desc').orderBy('id').limit(q.limit).execute();
      return rows.map(toCorrection);
    },

    async findDueCorrections(now, limit) {
      const rows = await db
        .selectFrom('corrections')
        .select('id')
        .where('state', '=', 'submitted')
        .where('expires_at', '<=', now)
        .orderBy('expires_at')
        .limit(limit)
        .execute();
      return rows.map((r) => r.id);
    },

    async findDue(now, limit) {
      const rows = await db
        .selectFrom('requests')
        .select('id')
        .where('state', 'in', [...OPEN_STATES])
        .where('expires_at', '<=', now)
        .orderBy('expires_at')
        .limit(limit)
        .execute();
      return rows.map((r) => r.id);
    },

    async listLetters(state) {
      let q = letterQuery(db);
      if (state) q = q.where('letters.state', '=', state);
      const rows = await q.orderBy('letters.created_at').orderBy('letters.id').execute();
      return rows.map(toLetter);
    },

    transaction: (work) => db.transaction().execute((trx) => work(transactionPort(trx))),
  };
}
