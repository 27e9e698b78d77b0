import { DomainError } from '@idp/events';

/**
 * An OTP challenge: one citizen, one phone, a short-lived code (only its HMAC), a budget of wrong
 * guesses and of resends. State machine in `challenge.mermaid`. Pure: no I/O, time comes in.
 *
 * `expired` is not stored: a pending challenge whose code's time is up reads as expired (see
 * {@link stateAt}); a resend can still give it a new code, which is why it is not terminal.
 */
export type ChallengeState = 'pending' | 'verified' | 'locked';
export type Delivery = 'sending' | 'sent' | 'failed';
export type Purpose = 'login' | 'bind_phone';
export type SmsTransportName = 'sns' | 'dev_sink';

/** Rules fixed when the challenge is created, so a config change never alters a running challenge. */
export interface ChallengePolicy {
  ttlMs: number;
  maxAttempts: number;
  resendCooldownMs: number;
  maxResends: number;
  /** How long the record outlives its code, so late calls learn why it is over instead of "not found". */
  retainMs: number;
}

export interface Challenge {
  id: string;
  accountId: string;
  purpose: Purpose;
  serviceName: string;
  /** Masked number for people (`+386 •• ••• •• 56`). */
  destinationHint: string;
  /** The number itself, sealed by otp-sender's key: needed for a resend, unreadable in Redis. */
  destinationSealed: string;
  codeHmac: string;
  /** 0 for the first code, n after the n-th resend: ties an SMS report to the code it carried. */
  generation: number;
  state: ChallengeState;
  delivery: Delivery;
  /** Wrong codes compared so far; the lock budget. */
  attempts: number;
  /** Every refused verification (wrong, late, locked, replayed): numbers the audit events. */
  failures: number;
  resends: number;
  sentAt: Date;
  expiresAt: Date;
  policy: ChallengePolicy;
}

export type VerificationFailure = 'wrong_code' | 'expired' | 'locked' | 'already_used';

/** What happened to a challenge; `apply` folds these into state, the event sink publishes them. */
export type OtpEvent =
  | { type: 'issued'; challenge: Challenge }
  | { type: 'resent'; codeHmac: string; generation: number; sentAt: Date; expiresAt: Date }
  | { type: 'verification_failed'; attempt: number; reason: VerificationFailure; wrongCode: boolean }
  | { type: 'locked' }
  | { type: 'verified' }
  | { type: 'sms_sent'; generation: number; transport: SmsTransportName; attempts: number }
  | {
      type: 'sms_failed';
      generation: number;
      transport: SmsTransportName;
      attempts: number;
      error: string;
    };

export interface IssueCommand {
  id: string;
  accountId: string;
  purpose: Purpose;
  serviceName: string;
  destinationHint: string;
  destinationSealed: string;
  codeHmac: string;
}

export function issue(cmd: IssueCommand, policy: ChallengePolicy, now: Date): OtpEvent[] {
  return [
    {
      type: 'issued',
      challenge: {
        ...cmd,
        generation: 0,
        state: 'pending',
        delivery: 'sending',
        attempts: 0,
        failures: 0,
        resends: 0,
        sentAt: now,
        expiresAt: new Date(now.getTime() + policy.ttlMs),
        policy,
      },
    },
  ];
}

/** Pending, or `expired` when the current code's time is up. */
export function stateAt(ch: Challenge, now: Date): ChallengeState | 'expired' {
  return ch.state === 'pending' && now >= ch.expiresAt ? 'expired' : ch.state;
}

export const resendAvailableAt = (ch: Challenge): Date =>
  new Date(ch.sentAt.getTime() + ch.policy.resendCooldownMs);

/**
 * A resend issues a NEW code and the old one stops working: two valid codes at once would double
 * the guessing odds. The cooldown and the cap bound what one challenge can cost in SMS.
 */
export function resend(ch: Challenge, codeHmac: string, now: Date): OtpEvent[] {
  if (ch.state === 'locked') throw new DomainError('precondition', 'otp.challenge_locked');
  if (ch.state !== 'pending') throw new DomainError('precondition', 'otp.not_pending');
  if (ch.resends >= ch.policy.maxResends) throw new DomainError('rate_limited', 'otp.resend_limit');
  if (now < resendAvailableAt(ch)) throw new DomainError('rate_limited', 'otp.resend_too_soon');
  return [
    {
      type: 'resent',
      codeHmac,
      generation: ch.generation + 1,
      sentAt: now,
      expiresAt: new Date(now.getTime() + ch.policy.ttlMs),
    },
  ];
}

/**
 * Checks a code. `matches` compares HMACs in constant time (see `codeMatches`); it is only called
 * for a pending, unexpired challenge, so a dead challenge never serves as a guessing oracle.
 */
export function verify(ch: Challenge, matches: () => boolean, now: Date): OtpEvent[] {
  const failed = (reason: VerificationFailure, wrongCode = false): OtpEvent => ({
    type: 'verification_failed',
    attempt: ch.failures + 1,
    reason,
    wrongCode,
  });
  if (ch.state === 'verified') return [failed('already_used')];
  if (ch.state === 'locked') return [failed('locked')];
  if (now >= ch.expiresAt) return [failed('expired')];
  if (!matches()) {
    const lastTry = ch.attempts + 1 >= ch.policy.maxAttempts;
    return lastTry ? [failed('wrong_code', true), { type: 'locked' }] : [failed('wrong_code', true)];
  }
  return [{ type: 'verified' }];
}

/** The error a refused verification answers with; undefined when the code was accepted. */
export function verificationError(events: readonly OtpEvent[]): DomainError | undefined {
  if (events.some((e) => e.type === 'verified')) return undefined;
  if (events.some((e) => e.type === 'locked')) return new DomainError('precondition', 'otp.challenge_locked');
  const failure = events.find((e) => e.type === 'verification_failed');
  switch (failure?.reason) {
    case 'wrong_code':
      return new DomainError('unauthenticated', 'otp.code_invalid');
    case 'expired':
      return new DomainError('precondition', 'otp.code_expired');
    case 'locked':
      return new DomainError('precondition', 'otp.challenge_locked');
    case 'already_used':
      return new DomainError('precondition', 'otp.not_pending');
    default:
      return new DomainError('internal', 'rpc.internal', { message: 'verification decided nothing' });
  }
}

export type DeliveryReport =
  | { ok: true; generation: number; transport: SmsTransportName; attempts: number }
  | { ok: false; generation: number; transport: SmsTransportName; attempts: number; error: string };

/** The SMS worker's report. A report about an older code is recorded as an event but moves nothing. */
export function reportDelivery(r: DeliveryReport): OtpEvent[] {
  const { generation, transport, attempts } = r;
  return r.ok
    ? [{ type: 'sms_sent', generation, transport, attempts }]
    : [{ type: 'sms_failed', generation, transport, attempts, error: r.error }];
}

function step(ch: Challenge | undefined, e: OtpEvent): Challenge {
  if (e.type === 'issued') return e.challenge;
  if (!ch) throw new Error(`event ${e.type} before the challenge was issued`);
  switch (e.type) {
    case 'resent':
      return {
        ...ch,
        codeHmac: e.codeHmac,
        generation: e.generation,
        sentAt: e.sentAt,
        expiresAt: e.expiresAt,
        resends: ch.resends + 1,
        delivery: 'sending',
      };
    case 'verification_failed':
      return { ...ch, failures: ch.failures + 1, attempts: ch.attempts + (e.wrongCode ? 1 : 0) };
    case 'locked':
      return { ...ch, state: 'locked' };
    case 'verified':
      return { ...ch, state: 'verified' };
    case 'sms_sent':
      return e.generation === ch.generation ? { ...ch, delivery: 'sent' } : ch;
    case 'sms_failed':
      return e.generation === ch.generation ? { ...ch, delivery: 'failed' } : ch;
  }
}

export function apply(ch: Challenge, events: readonly OtpEvent[]): Challenge;
export function apply(ch: Challenge | undefined, events: readonly OtpEvent[]): Challenge | undefined;
export function apply(ch: Challenge | undefined, events: readonly OtpEvent[]): Challenge | undefined {
  return events.reduce<Challenge | undefined>(step, ch);
}

/** When the stored record may go: the code's expiry plus the retention. */
export const retainUntil = (ch: Challenge): Date => new Date(ch.expiresAt.getTime() + ch.policy.retainMs);
