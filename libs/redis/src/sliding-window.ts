import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';

/** At most `cap` admissions within any `windowMs` under `key`. */
export interface WindowLimit {
  key: string;
  cap: number;
  windowMs: number;
}

export type WindowAdmission =
  | { admitted: true }
  /** `refusedBy` is the index in the limits given of the first one that was full. */
  | { admitted: false; refusedBy: number; retryAfterMs: number };

// A sliding-window log per key (a sorted set of admission times), all or nothing: every limit is
// checked first and the admission is counted in all of them only if each has room, so a refused
// request costs nothing. Each key's TTL is its window, renewed on every admission, so no counter
// outlives the window it describes. ARGV: now, member id, then cap and window per key.
const ADMIT = `
local now = tonumber(ARGV[1])
for i = 1, #KEYS do
  local cap = tonumber(ARGV[1 + 2 * i])
  local win = tonumber(ARGV[2 + 2 * i])
  redis.call('ZREMRANGEBYSCORE', KEYS[i], '-inf', now - win)
  if redis.call('ZCARD', KEYS[i]) >= cap then
    local oldest = redis.call('ZRANGE', KEYS[i], 0, 0, 'WITHSCORES')
    local retry = win
    if oldest[2] then retry = tonumber(oldest[2]) + win - now end
    return {i, retry}
  end
end
for i = 1, #KEYS do
  redis.call('ZADD', KEYS[i], now, ARGV[2])
  redis.call('PEXPIRE', KEYS[i], tonumber(ARGV[2 + 2 * i]))
end
return {0, 0}`;

type Scripted = (...args: (string | number)[]) => Promise<[number, number]>;

/**
 * Sliding-window rate limits checked and counted atomically in one Lua script (keys get the
 * client's prefix like any other command). Redis errors are thrown as they are: the caller decides
 * what an outage means (a limiter must fail closed).
 */
export function slidingWindowLimiter(redis: Redis): {
  admit(limits: readonly WindowLimit[], now: Date): Promise<WindowAdmission>;
} {
  redis.defineCommand('idpWindowAdmit', { lua: ADMIT });
  const admit = (redis as unknown as { idpWindowAdmit: Scripted }).idpWindowAdmit.bind(redis);
  return {
    async admit(limits, now) {
      if (limits.length === 0) return { admitted: true };
      const [blocked, retryAfterMs] = await admit(
        limits.length,
        ...limits.map((l) => l.key),
        now.getTime(),
        randomUUID(),
        ...limits.flatMap((l) => [l.cap, l.windowMs]),
      );
      if (blocked === 0) return { admitted: true };
      return { admitted: false, refusedBy: blocked - 1, retryAfterMs: Math.max(retryAfterMs, 0) };
    },
  };
}
