import { DomainError, type RpcResponse, type otpRpc } from '@idp/events';
import {
  apply,
  resendAvailableAt,
  stateAt,
  type Challenge,
  type ChallengePolicy,
  type OtpEvent,
} from '../domain/challenge.js';
import type { SendCaps } from '../domain/rate-limit.js';
import type {
  ChallengeStore,
  Clock,
  Destinations,
  EventSink,
  OtpMetrics,
  RateLimiter,
  Sealer,
  SmsQueue,
  Versioned,
} from '../ports.js';

/** Everything the handlers need, as ports; only main.ts (and the tests) pick implementations. */
export interface Deps {
  clock: Clock;
  store: ChallengeStore;
  limiter: RateLimiter;
  destinations: Destinations;
  events: EventSink;
  queue: SmsQueue;
  sealer: Sealer;
  metrics: OtpMetrics;
  keys: {
    /** Keys the code HMAC. */
    codeHmac: Buffer;
    /** Keys the digests that name rate-limit counters, so Redis holds no phone numbers. */
    digest: Buffer;
  };
  /** The code source; the CSPRNG unless a test needs to know the code. */
  generateCode(): string;
  settings: {
    policy: ChallengePolicy;
    caps: SendCaps;
    prefixDigits: number;
    allowedCountryCodes: readonly string[];
    publicHost: string;
  };
}

/** Associated data binding a sealed SMS to its job's challenge, and a stored number to its record. */
export const jobContext = (challengeId: string) => `sms-job:${challengeId}`;
export const destinationContext = (challengeId: string) => `destination:${challengeId}`;

export async function loadChallenge(store: ChallengeStore, id: string): Promise<Versioned<Challenge>> {
  const found = await store.get(id);
  if (!found) throw new DomainError('not_found', 'otp.challenge_not_found');
  return found;
}

/**
 * Read → decide → compare-and-set, again from a fresh read when another writer got in between.
 * Decisions are pure, so running one again on newer state is safe; a rule's error ends the loop.
 */
export async function mutate(
  store: ChallengeStore,
  id: string,
  decide: (ch: Challenge) => OtpEvent[],
): Promise<{ before: Challenge; after: Challenge; events: OtpEvent[] }> {
  for (let round = 0; round < 50; round++) {
    const { value, version } = await loadChallenge(store, id);
    const events = decide(value);
    if (events.length === 0) return { before: value, after: value, events };
    const after = apply(value, events);
    if (await store.replace(after, version)) return { before: value, after, events };
  }
  throw new DomainError('unavailable', 'infra.redis_down', {
    message: `challenge ${id}: too much write contention`,
  });
}

export type ChallengeView = RpcResponse<typeof otpRpc.status>;

export function view(ch: Challenge, now: Date): ChallengeView {
  const state = stateAt(ch, now);
  const resendsLeft = Math.max(ch.policy.maxResends - ch.resends, 0);
  const canResend = (state === 'pending' || state === 'expired') && resendsLeft > 0;
  return {
    challengeId: ch.id,
    expiresAt: ch.expiresAt.toISOString(),
    destinationHint: ch.destinationHint,
    ...(canResend ? { resendAvailableAt: resendAvailableAt(ch).toISOString() } : {}),
    resendsLeft,
    delivery: ch.delivery,
    state,
    attemptsLeft: Math.max(ch.policy.maxAttempts - ch.attempts, 0),
    accountId: ch.accountId,
    purpose: ch.purpose,
  };
}
