import { randomUUID } from 'node:crypto';
import { type RedisHandle } from '@idp/redis';
import { redisFailure } from './errors.js';
import type { Admission, RateLimit } from '../../domain/rate-limit.js';
import type { RateLimiter } from '../../ports.js';

// The sliding-window rule of domain/rate-limit.ts `admit`, atomically in Redis: all limits are
// checked first and counted only if every one has room. Each key's TTL is its window, renewed on
// every admission, so no counter outlives the hour it describes.
// ARGV: now, member id, then cap and window per key.
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

export function createRedisRateLimiter(h: RedisHandle): RateLimiter {
  h.redis.defineCommand('otpAdmit', { lua: ADMIT });
  const admit = (h.redis as unknown as { otpAdmit: Scripted }).otpAdmit.bind(h.redis);
  return {
    async admit(limits: readonly RateLimit[], now: Date): Promise<Admission> {
      let result: [number, number];
      try {
        result = await admit(
          limits.length,
          ...limits.map((l) => l.key),
          now.getTime(),
          randomUUID(),
          ...limits.flatMap((l) => [l.cap, l.windowMs]),
        );
      } catch (cause) {
        throw redisFailure(cause);
      }
      const [blocked, retryAfterMs] = result;
      if (blocked === 0) return { admitted: true };
      return { admitted: false, limit: limits[blocked - 1]!.name, retryAfterMs: Math.max(retryAfterMs, 0) };
    },
  };
}
