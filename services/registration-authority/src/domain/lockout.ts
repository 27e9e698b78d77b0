/** How many failed logins (password or TOTP) an officer account takes before it is locked, and for how long. */
export interface LockoutPolicy {
  maxFailures: number;
  lockMs: number;
}

export interface LockoutState {
  failedLogins: number;
  lockedUntil: Date | null;
}

export const isLocked = (s: LockoutState, now: Date): boolean =>
  s.lockedUntil !== null && s.lockedUntil.getTime() > now.getTime();

/**
 * One more failure. Reaching the limit locks the account and starts the count again, so after
 * the lock expires the officer has the full number of tries once more (not one).
 */
export function recordFailure(
  s: LockoutState,
  now: Date,
  p: LockoutPolicy,
): LockoutState & { lockedNow: boolean } {
  const failedLogins = s.failedLogins + 1;
  if (failedLogins >= p.maxFailures) {
    return { failedLogins: 0, lockedUntil: new Date(now.getTime() + p.lockMs), lockedNow: true };
  }
  return { failedLogins, lockedUntil: s.lockedUntil, lockedNow: false };
}

/** A complete login (password and TOTP) clears the count. */
export const recordSuccess = (): LockoutState => ({ failedLogins: 0, lockedUntil: null });
