import { createHash } from 'node:crypto';
import { clientAddressBucket } from '@idp/events';

/** `maxFailures` failed passwords within `windowMs` lock the key for `lockMs`. */
export interface ThrottlePolicy {
  maxFailures: number;
  windowMs: number;
  lockMs: number;
}

/** Failed passwords counted against one key (an account, an account name, a client address). */
export interface ThrottleEntry {
  failures: number;
  windowStartedAt: Date;
  lockedUntil: Date | null;
}

export interface LoginPolicy {
  account: ThrottlePolicy;
  address: ThrottlePolicy;
}

/** The two keys one password attempt counts against. */
export interface LoginThrottleKeys {
  account: string;
  address: string;
}

export interface LoginThrottle {
  account: ThrottleEntry | undefined;
  address: ThrottleEntry | undefined;
}

// Keys are digests so the table keeps no address or typed account name in clear; the rows
// expire within minutes, so an unkeyed hash is enough for that purpose.
const digest = (value: string) => createHash('sha256').update(value).digest('base64url');

/**
 * An existing account is counted by its id; an unknown account name by the name itself, under
 * the same policy, so "locked" is answered for made-up names exactly as for real ones and
 * cannot be used to find out which e-mail addresses have an account.
 */
export function loginThrottleKeys(o: {
  accountId: string | undefined;
  email: string;
  clientAddress: string;
}): LoginThrottleKeys {
  const c = throttleKeyCandidates(o);
  return { account: o.accountId ? `${c.accountKeyPrefix}${o.accountId}` : c.nameKey, address: c.addressKey };
}

/** The keys an attempt may count against before it is known whether the account exists. */
export function throttleKeyCandidates(o: { email: string; clientAddress: string }): {
  accountKeyPrefix: string;
  nameKey: string;
  addressKey: string;
} {
  return {
    accountKeyPrefix: 'account:',
    nameKey: `name:${digest(o.email)}`,
    addressKey: `address:${digest(clientAddressBucket(o.clientAddress))}`,
  };
}

/** The entry as it counts at `now`: undefined once its window has passed or its lock has ended. */
export function liveEntry(
  entry: ThrottleEntry | undefined,
  policy: ThrottlePolicy,
  now: Date,
): ThrottleEntry | undefined {
  if (!entry || entry.failures === 0) return undefined;
  // A lock that has run out starts the count afresh: the lockout expires, it does not ratchet.
  if (entry.lockedUntil) return entry.lockedUntil > now ? entry : undefined;
  return now.getTime() < entry.windowStartedAt.getTime() + policy.windowMs ? entry : undefined;
}

/** When the key's lock ends, if it is locked at `now`. */
export function lockedUntil(
  entry: ThrottleEntry | undefined,
  policy: ThrottlePolicy,
  now: Date,
): Date | undefined {
  return liveEntry(entry, policy, now)?.lockedUntil ?? undefined;
}

/** The later end of the account's and the address's locks, when either is locked. */
export function activeLock(t: LoginThrottle, policy: LoginPolicy, now: Date): Date | undefined {
  const ends = [lockedUntil(t.account, policy.account, now), lockedUntil(t.address, policy.address, now)];
  const times = ends.filter((d): d is Date => d !== undefined).map((d) => d.getTime());
  return times.length ? new Date(Math.max(...times)) : undefined;
}

export interface FailureOutcome {
  entry: ThrottleEntry;
  /** When the row may be deleted: nothing about it counts any more after this. */
  expiresAt: Date;
  /** This failure is the one that locked the key. */
  lockedNow: boolean;
}

/** Counts one failed password against a key. */
export function recordFailure(
  entry: ThrottleEntry | undefined,
  policy: ThrottlePolicy,
  now: Date,
): FailureOutcome {
  const live = liveEntry(entry, policy, now);
  if (live?.lockedUntil) {
    // Raced past the lock check while another request locked the key: the lock already counts.
    return { entry: live, expiresAt: expiresAt(live, policy), lockedNow: false };
  }
  const failures = (live?.failures ?? 0) + 1;
  const lock = failures >= policy.maxFailures ? new Date(now.getTime() + policy.lockMs) : null;
  const next = { failures, windowStartedAt: live?.windowStartedAt ?? now, lockedUntil: lock };
  return { entry: next, expiresAt: expiresAt(next, policy), lockedNow: lock !== null };
}

export function expiresAt(entry: ThrottleEntry, policy: ThrottlePolicy): Date {
  const windowEnd = entry.windowStartedAt.getTime() + policy.windowMs;
  return new Date(Math.max(windowEnd, entry.lockedUntil?.getTime() ?? 0));
}

/** A failed password counted against both keys. */
export function failLogin(
  t: LoginThrottle,
  policy: LoginPolicy,
  now: Date,
): { account: FailureOutcome; address: FailureOutcome } {
  return {
    account: recordFailure(t.account, policy.account, now),
    address: recordFailure(t.address, policy.address, now),
  };
}

/** Whole seconds until `until`, at least 1, for a "try again in" answer. */
export const retryAfterSeconds = (until: Date, now: Date): number =>
  Math.max(1, Math.ceil((until.getTime() - now.getTime()) / 1000));
