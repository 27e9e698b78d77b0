/** Console session lifetimes. */
export interface SessionPolicy {
  /** Ends a session nobody has used for this long (15 minutes). */
  idleMs: number;
  /** Ends every session this long after the login, used or not (8 hours). */
  absoluteMs: number;
  /** Between the password and the TOTP (or enrolment) step. */
  secondFactorMs: number;
}

export type SessionStage = 'second_factor' | 'active';

export interface SessionTimes {
  stage: SessionStage;
  createdAt: Date;
  lastSeenAt: Date;
  expiresAt: Date;
}

/** Whether a session may still be used at `now`; the absolute limit is `expiresAt`, set at creation. */
export function isSessionAlive(s: SessionTimes, now: Date, p: SessionPolicy): boolean {
  const t = now.getTime();
  if (t >= s.expiresAt.getTime()) return false;
  if (s.stage === 'active' && t - s.lastSeenAt.getTime() >= p.idleMs) return false;
  return true;
}

/** When a new session of this stage expires at the latest. */
export const sessionExpiry = (stage: SessionStage, now: Date, p: SessionPolicy): Date =>
  new Date(now.getTime() + (stage === 'active' ? p.absoluteMs : p.secondFactorMs));

/** Writing `last_seen_at` on every page costs a write each; a minute's precision is plenty for a 15-minute limit. */
export const needsTouch = (lastSeenAt: Date, now: Date): boolean =>
  now.getTime() - lastSeenAt.getTime() >= 60_000;
