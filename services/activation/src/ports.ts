import type { Envelope, MessageContext, MessageDef, MessageInput } from '@idp/events';
import type { CorrectionRequest, CorrectionState } from './domain/correction.js';
import type { ActivationRequest, ActivationState } from './domain/request.js';

export interface Clock {
  now(): Date;
}
export const systemClock: Clock = { now: () => new Date() };

export type LetterState = 'queued' | 'printed' | 'posted';

/** A postal letter in the print queue. */
export interface Letter {
  id: string;
  requestId: string;
  requestNumber: string;
  state: LetterState;
  pdfPath: string;
  createdAt: Date;
  printedAt: Date | null;
  printedBy: string | null;
  postedAt: Date | null;
  postedBy: string | null;
}

export interface OfficerQuery<S extends string = ActivationState> {
  requestNumber?: string;
  accountIds?: readonly string[];
  state?: S;
  limit: number;
}

/** Reads outside a transaction. */
export interface RequestStore {
  /** The account's newest request, open or not. */
  findLatestForAccount(accountId: string): Promise<ActivationRequest | undefined>;
  findForOfficer(q: OfficerQuery): Promise<ActivationRequest[]>;
  /** Ids of open requests whose deadline is at or before `now`, oldest deadline first. */
  findDue(now: Date, limit: number): Promise<string[]>;
  listLetters(state: LetterState | undefined): Promise<Letter[]>;
  /** The account's newest identity correction, submitted or not. */
  findLatestCorrection(accountId: string): Promise<CorrectionRequest | undefined>;
  findCorrectionsForOfficer(q: OfficerQuery<CorrectionState>): Promise<CorrectionRequest[]>;
  /** Ids of submitted corrections whose deadline is at or before `now`, oldest deadline first. */
  findDueCorrections(now: Date, limit: number): Promise<string[]>;
  /** Runs `work` in one transaction: its writes and its events commit together or not at all. */
  transaction<T>(work: (tx: RequestTransaction) => Promise<T>): Promise<T>;
}

/** `insert` drew a request number another request has (rare: 32⁸ numbers); draw another. */
export class RequestNumberTaken extends Error {
  override name = 'RequestNumberTaken';
}

/** Writes inside one transaction. */
export interface RequestTransaction {
  /**
   * Throws `already_exists` `activation.request_exists` when the account has an open request, and
   * {@link RequestNumberTaken} when the number is in use.
   */
  insert(request: ActivationRequest): Promise<void>;
  /**
   * The request, locked until commit: concurrent commands on one request run one after the other,
   * each seeing what the previous one committed.
   */
  lock(requestId: string): Promise<ActivationRequest | undefined>;
  save(request: ActivationRequest): Promise<void>;
  insertLetter(letter: Omit<Letter, 'requestNumber'>): Promise<void>;
  lockLetter(letterId: string): Promise<Letter | undefined>;
  saveLetter(letter: Letter): Promise<void>;
  /**
   * Throws `already_exists` `activation.correction_exists` when the account has a submitted
   * correction, and {@link RequestNumberTaken} when the number is in use.
   */
  insertCorrection(correction: CorrectionRequest): Promise<void>;
  /** The correction, locked until commit (as {@link RequestTransaction.lock}). */
  lockCorrection(correctionId: string): Promise<CorrectionRequest | undefined>;
  saveCorrection(correction: CorrectionRequest): Promise<void>;
  /** Adds events to the outbox, published once the transaction commits. */
  enqueue(envelopes: readonly Envelope[]): Promise<void>;
  /** True the first time `consumer` sees `messageId` in a committed transaction (see processOnce). */
  processOnce(consumer: string, messageId: string): Promise<boolean>;
}

/** Builds a catalog-checked envelope stamped with this service as producer. */
export type EventFactory = <E extends MessageDef>(
  def: E,
  input: MessageInput<E>,
  ctx: MessageContext,
) => Envelope;

export type MailLanguage = 'sl' | 'en';

/**
 * E-mail to citizens, as mail jobs (`idp.work.mail.send.v1`) the caller enqueues in the outbox of
 * the transaction that records what the mail says: the code is stored and its mail queued together
 * or not at all, and the mail worker delivers it (with retries) after commit.
 */
export interface ActivationMailer {
  activationCode(
    mail: {
      accountId: string;
      requestId: string;
      requestNumber: string;
      email: string;
      code: string;
      expiresAt: Date;
      lang: MailLanguage;
    },
    ctx: MessageContext,
  ): Envelope;
  expiryNotice(
    mail: { accountId: string; requestId: string; email: string; requestNumber: string; lang: MailLanguage },
    ctx: MessageContext,
  ): Envelope;
}
