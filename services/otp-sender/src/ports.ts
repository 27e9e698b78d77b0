import type { MessageContext } from '@idp/events';
import type { Challenge, OtpEvent, SmsTransportName } from './domain/challenge.js';
import type { Admission, RateLimit } from './domain/rate-limit.js';

/** Time, injected so rules about expiry and cooldowns can be tested without waiting. */
export interface Clock {
  now(): Date;
}
export const systemClock: Clock = { now: () => new Date() };

/** A challenge as read, with the version a compare-and-set write must match. */
export interface Versioned<T> {
  value: T;
  version: number;
}

/**
 * Where challenges live (Redis). Writes are compare-and-set on the version read, so two
 * concurrent verifications cannot both spend the same attempt or both accept one code.
 */
export interface ChallengeStore {
  /** Stores a new challenge; rejects if the id exists. The record expires at `retainUntil(ch)`. */
  create(ch: Challenge): Promise<void>;
  get(id: string): Promise<Versioned<Challenge> | undefined>;
  /** Replaces the challenge if it is still at `version`; false when someone else wrote first. */
  replace(ch: Challenge, version: number): Promise<boolean>;
}

/** Sliding-window caps, checked and counted atomically across all the given limits. */
export interface RateLimiter {
  admit(limits: readonly RateLimit[], now: Date): Promise<Admission>;
}

/** Where a login's code goes: the accounts service's verified phone. */
export interface Destinations {
  /** `sealed`: the destination accounts sealed at the password step (otp.issue's `destination`). */
  forAccount(
    accountId: string,
    ctx: MessageContext,
    sealed?: string,
  ): Promise<{ phone: string; phoneHint: string }>;
}

export type ChallengeRef = Pick<Challenge, 'id' | 'accountId' | 'purpose' | 'destinationHint' | 'expiresAt'>;

/** Publishes the domain's events as catalog events (otp-sender has no database, so no outbox). */
export interface EventSink {
  /** `idSeed` makes the event ids deterministic, so a retried publish is de-duplicated by JetStream. */
  publish(
    ch: ChallengeRef,
    events: readonly OtpEvent[],
    ctx: MessageContext,
    o?: { idSeed?: string },
  ): Promise<void>;
}

/** The durable SMS work queue. */
export interface SmsQueue {
  enqueue(job: { challengeId: string; sealed: string }, ctx: MessageContext): Promise<void>;
}

/** What the worker delivers; sealed inside the job so neither number nor code sits in a stream in clear. */
export interface SmsPayload {
  to: string;
  text: string;
  /** The code generation the text carries: a job for a replaced code is not sent. */
  generation: number;
}

/** Authenticated encryption for values otp-sender parks outside its process (the shared AES-256-GCM sealer). */
export type { Sealer } from '@idp/events';

/** One SMS provider. Throws {@link SmsSendError} so the worker can tell a retry from a dead end. */
export interface SmsTransport {
  readonly name: SmsTransportName;
  send(message: { to: string; text: string }): Promise<{ messageId?: string }>;
}

export class SmsSendError extends Error {
  override name = 'SmsSendError';
  constructor(
    /** Provider error name or HTTP status, safe to log and to put in an event (no number, no text). */
    readonly reason: string,
    /** True when sending again cannot help (invalid number, opted out): fail at once. */
    readonly permanent: boolean,
    options?: ErrorOptions,
  ) {
    super(`sms send failed: ${reason}${permanent ? ' (permanent)' : ''}`, options);
  }
}

/** A recorded development SMS, for people reading /dev/sms. */
export interface DevSms {
  to: string;
  text: string;
  sentAt: string;
}

export interface DevSmsReader {
  /** Newest first. */
  recent(limit: number, to?: string): Promise<DevSms[]>;
}

/** The counters the service exports (idp_otp_*). */
export interface OtpMetrics {
  sealedDestination(outcome: 'opened' | 'refused'): void;
  codeIssued(purpose: string, resend: boolean): void;
  smsOutcome(transport: SmsTransportName, outcome: 'sent' | 'retry' | 'failed' | 'skipped'): void;
  verification(
    outcome: 'verified' | 'wrong_code' | 'expired' | 'locked' | 'already_used' | 'not_found',
  ): void;
}
