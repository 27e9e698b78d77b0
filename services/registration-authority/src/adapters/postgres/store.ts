import { DomainError } from '@idp/events';
import { enqueue, sql, wrapDbError, type Kysely, type Selectable, type Transaction } from '@idp/db';
import type { IdDocumentTypeName } from '../../domain/id-document.js';
import type { SessionStage } from '../../domain/session.js';
import type { IdCheck, Officer, OfficerSession, RaStore, RaTransaction } from '../../ports.js';
import type { OfficersTable, OfficerSessionsTable, RaTables } from './tables.js';

type Db = Kysely<RaTables> | Transaction<RaTables>;

const toOfficer = (r: Selectable<OfficersTable>): Officer => ({
  id: r.id,
  email: r.email,
  displayName: r.display_name,
  passwordHash: r.password_hash,
  totpSecret: r.totp_secret,
  totpEnrolledAt: r.totp_enrolled_at,
  totpLastStep: r.totp_last_step === null ? null : Number(r.totp_last_step),
  failedLogins: r.failed_logins,
  lockedUntil: r.locked_until,
  disabledAt: r.disabled_at,
});

const toSession = (r: Selectable<OfficerSessionsTable>): OfficerSession => ({
  tokenHash: r.token_hash,
  officerId: r.officer_id,
  // The column's CHECK constraint admits only the two stages.
  stage: r.stage as SessionStage,
  csrfToken: r.csrf_token,
  createdAt: r.created_at,
  lastSeenAt: r.last_seen_at,
  expiresAt: r.expires_at,
});

// Constraint names from migration 0001, mapped to the error the caller can act on.
const UNIQUE_VIOLATIONS: Record<string, DomainError['code']> = {
  officers_email_key: 'ra.officer_exists',
  id_checks_request_key: 'ra.request_already_decided',
};

function mapUniqueViolation(err: unknown): unknown {
  const e = err as { code?: unknown; constraint?: unknown };
  const code =
    e.code === '23505' && typeof e.constraint === 'string' ? UNIQUE_VIOLATIONS[e.constraint] : undefined;
  return code ? new DomainError('already_exists', code, { message: 'already exists' }) : wrapDbError(err);
}

const officers = (db: Db) => db.selectFrom('officers').selectAll();

function transactionPort(trx: Transaction<RaTables>): RaTransaction {
  return {
    async insertOfficer(o, now) {
      try {
        await trx
          .insertInto('officers')
          .values({
            id: o.id,
            email: o.email,
            display_name: o.displayName,
            password_hash: o.passwordHash,
            totp_secret: null,
            totp_enrolled_at: null,
            totp_last_step: null,
            locked_until: null,
            disabled_at: null,
            created_at: now,
            updated_at: now,
          })
          .execute();
      } catch (err) {
        throw mapUniqueViolation(err);
      }
    },
    async lockOfficer(id) {
      const r = await officers(trx).where('id', '=', id).forUpdate().executeTakeFirst();
      return r && toOfficer(r);
    },
    async lockOfficerByEmail(email) {
      const r = await officers(trx).where('email', '=', email).forUpdate().executeTakeFirst();
      return r && toOfficer(r);
    },
    async updateOfficer(id, p, now) {
      await trx
        .updateTable('officers')
        .set({
          ...(p.totpSecret !== undefined ? { totp_secret: p.totpSecret } : {}),
          ...(p.totpEnrolledAt !== undefined ? { totp_enrolled_at: p.totpEnrolledAt } : {}),
          ...(p.totpLastStep !== undefined ? { totp_last_step: p.totpLastStep } : {}),
          ...(p.failedLogins !== undefined ? { failed_logins: p.failedLogins } : {}),
          ...(p.lockedUntil !== undefined ? { locked_until: p.lockedUntil } : {}),
          ...(p.disabledAt !== undefined ? { disabled_at: p.disabledAt } : {}),
          updated_at: now,
        })
        .where('id', '=', id)
        .execute();
    },
    async insertSession(s) {
      await trx
        .insertInto('officer_sessions')
        .values({
          token_hash: s.tokenHash,
          officer_id: s.officerId,
          stage: s.stage,
          csrf_token: s.csrfToken,
          created_at: s.createdAt,
          last_seen_at: s.lastSeenAt,
          expires_at: s.expiresAt,
        })
        .execute();
    },
    async deleteSession(tokenHash) {
      await trx.deleteFrom('officer_sessions').where('token_hash', '=', tokenHash).execute();
    },
    async deleteSessionsOf(officerId) {
      await trx.deleteFrom('officer_sessions').where('officer_id', '=', officerId).execute();
    },
    async insertIdCheck(c) {
      try {
        await trx
          .insertInto('id_checks')
          .values({
            id: c.id,
            request_id: c.requestId,
            request_number: c.requestNumber,
            account_id: c.accountId,
            officer_id: c.officerId,
            decision: c.decision,
            document_type: c.document?.type ?? null,
            document_number: c.document?.number ?? null,
            document_expires_on: c.document?.expiresOn ?? null,
            rejection_reason: c.rejectionReason ?? null,
            decided_at: c.decidedAt,
          })
          .execute();
      } catch (err) {
        throw mapUniqueViolation(err);
      }
    },
    enqueue: (envelopes) => enqueue(trx, envelopes),
  };
}

/** The `ra` schema in PostgreSQL (search_path already points at it). */
export function createPostgresRaStore(db: Kysely<RaTables>): RaStore {
  return {
    async findOfficerByEmail(email) {
      const r = await officers(db).where('email', '=', email).executeTakeFirst();
      return r && toOfficer(r);
    },
    async findSession(tokenHash) {
      const s = await db
        .selectFrom('officer_sessions')
        .selectAll()
        .where('token_hash', '=', tokenHash)
        .executeTakeFirst();
      if (!s) return undefined;
      const o = await officers(db).where('id', '=', s.officer_id).executeTakeFirst();
      return o && { session: toSession(s), officer: toOfficer(o) };
    },
    async touchSession(tokenHash, now) {
      await db
        .updateTable('officer_sessions')
        .set({ last_seen_at: now })
        .where('token_hash', '=', tokenHash)
        .execute();
    },
    async findIdCheck(requestId) {
      const r = await db
        .selectFrom('id_checks')
        .select([
          'id',
          'request_id',
          'request_number',
          'account_id',
          'officer_id',
          'decision',
          'document_type',
          'document_number',
          sql<string | null>`to_char(document_expires_on, 'YYYY-MM-DD')`.as('document_expires_on'),
          'rejection_reason',
          'decided_at',
        ])
        .where('request_id', '=', requestId)
        .executeTakeFirst();
      if (!r) return undefined;
      return {
        id: r.id,
        requestId: r.request_id,
        requestNumber: r.request_number,
        accountId: r.account_id,
        officerId: r.officer_id,
        decision: r.decision as IdCheck['decision'],
        ...(r.document_type && r.document_number && r.document_expires_on
          ? {
              document: {
                type: r.document_type as IdDocumentTypeName,
                number: r.document_number,
                expiresOn: r.document_expires_on,
              },
            }
          : {}),
        ...(r.rejection_reason ? { rejectionReason: r.rejection_reason } : {}),
        decidedAt: r.decided_at,
      };
    },
    async transaction(work) {
      try {
        return await db.transaction().execute((trx) => work(transactionPort(trx)));
      } catch (err) {
        throw wrapDbError(err);
      }
    },
  };
}
