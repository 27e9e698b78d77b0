import { DomainError } from '@idp/events';

/** One sliding-window limit: at most `cap` admissions per `windowMs` under `key`. */
export interface RateLimit {
  name: 'phone' | 'prefix';
  key: string;
  cap: number;
  windowMs: number;
}

export type Admission =
  { admitted: true } | { admitted: false; limit: RateLimit['name']; retryAfterMs: number };

export interface SendCaps {
  phoneHourlyCap: number;
  prefixHourlyCap: number;
}

const HOUR_MS = 3600_000;

/**
 * The SMS-pumping caps for one send: per phone (one victim's phone spammed, or one attacker's
 * number farmed) and per number block (an attacker walking through `+386 40 12x xxx`). Keys are
 * opaque digests, so no phone number is written to Redis.
 */
export function sendLimits(digests: { phone: string; prefix: string }, caps: SendCaps): RateLimit[] {
  return [
    { name: 'phone', key: `rl:phone:${digests.phone}`, cap: caps.phoneHourlyCap, windowMs: HOUR_MS },
    { name: 'prefix', key: `rl:prefix:${digests.prefix}`, cap: caps.prefixHourlyCap, windowMs: HOUR_MS },
  ];
}

/**
 * Sliding-window log, all or nothing: admitted only if every limit has room, and then counted in
 * every one (a refused send costs nothing). The Redis limiter runs the same rule in a Lua script;
 * this pure version is the reference its tests and the in-memory fake use.
 */
export function admit(log: Map<string, number[]>, limits: readonly RateLimit[], nowMs: number): Admission {
  const windows = limits.map((l) => {
    const recent = (log.get(l.key) ?? []).filter((t) => t > nowMs - l.windowMs);
    log.set(l.key, recent);
    return recent;
  });
  for (const [i, l] of limits.entries()) {
    const recent = windows[i]!;
    if (recent.length >= l.cap) {
      return { admitted: false, limit: l.name, retryAfterMs: Math.max(recent[0]! + l.windowMs - nowMs, 0) };
    }
  }
  for (const w of windows) w.push(nowMs);
  return { admitted: true };
}

export function admissionError(a: Admission): DomainError | undefined {
  if (a.admitted) return undefined;
  return new DomainError('rate_limited', 'otp.phone_rate_limited', {
    message: `${a.limit} cap reached; retry in ${Math.ceil(a.retryAfterMs / 1000)} s`,
  });
}
