import type { Envelope, EventDef, MessageContext, MessageInput } from '@idp/events';
import type { IdDocument } from './domain/id-document.js';
import type { SessionStage } from './domain/session.js';

export interface Clock {
  now(): Date;
}
export const systemClock: Clock = { now: () => new Date() };

/** An officer account as the console sees it. */
export interface Officer {
  id: string;
  email: string;
  displayName: string;
  passwordHash: string;
  /** The sealed TOTP seed (see `SecretBox`), once the enrolment page has been shown. */
  totpSecret: string | null;
  totpEnrolledAt: Date | null;
  totpLastStep: number | null;
  failedLogins: number;
  lockedUntil: Date | null;
  disabledAt: Date | null;
}

export interface OfficerSession {
  /** SHA-256 of the cookie's token. */
  tokenHash: string;
  officerId: string;
  stage: SessionStage;
  csrfToken: string;
  createdAt: Date;
  lastSeenAt: Date;
  expiresAt: Date;
}

/** An officer's decision on an activation request, as this RA recorded it. */
export interface IdCheck {
  id: string;
  requestId: string;
  requestNumber: string;
  accountId: string;
  officerId: string;
  decision: 'approved' | 'rejected';
  document?: IdDocument;
  rejectionReason?: string;
  decidedAt: Date;
}

export type OfficerPatch = Partial<
  Pick<
    Officer,
    'totpSecret' | 'totpEnrolledAt' | 'totpLastStep' | 'failedLogins' | 'lockedUntil' | 'disabledAt'
  >
>;

/** Reads outside a transaction. */
export interface RaStore {
  findOfficerByEmail(email: string): Promise<Officer | undefined>;
  /** The session with its officer, whatever its age: the caller applies the session policy. */
  findSession(tokenHash: string): Promise<{ session: OfficerSession; officer: Officer } | undefined>;
  /** Moves the idle deadline of an active session. */
  touchSession(tokenHash: string, now: Date): Promise<void>;
  findIdCheck(requestId: string): Promise<IdCheck | undefined>;
  /** Runs `work` in one transaction: its writes and its events commit together or not at all. */
  transaction<T>(work: (tx: RaTransaction) => Promise<T>): Promise<T>;
}

/** Writes inside one transaction. */
export interface RaTransaction {
  /** Throws `already_exists` / `ra.officer_exists` for an e-mail another officer has. */
  insertOfficer(o: Pick<Officer, 'id' | 'email' | 'displayName' | 'passwordHash'>, now: Date): Promise<void>;
  /** The officer row, locked until commit: concurrent logins count their failures one after the other. */
  lockOfficer(id: string): Promise<Officer | undefined>;
  lockOfficerByEmail(email: string): Promise<Officer | undefined>;
  updateOfficer(id: string, patch: OfficerPatch, now: Date): Promise<void>;
  insertSession(s: OfficerSession): Promise<void>;
  deleteSession(tokenHash: string): Promise<void>;
  deleteSessionsOf(officerId: string): Promise<void>;
  /** Throws `already_exists` / `ra.request_already_decided` when the request has a decision. */
  insertIdCheck(c: IdCheck): Promise<void>;
  /** Adds events to the outbox, published once the transaction commits. */
  enqueue(envelopes: readonly Envelope[]): Promise<void>;
}

/** argon2id, off the event loop. */
export interface PasswordHasher {
  hash(password: string): Promise<string>;
  /** With no hash (unknown officer) it checks a dummy hash and answers false: the same cost either way. */
  verify(hash: string | undefined, password: string): Promise<boolean>;
}

/** Builds a catalog-checked envelope stamped with this service as producer. */
export type EventFactory = <E extends EventDef>(
  def: E,
  input: MessageInput<E>,
  ctx: MessageContext,
) => Envelope;
