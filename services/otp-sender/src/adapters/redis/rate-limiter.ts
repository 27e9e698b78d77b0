import { slidingWindowLimiter, type RedisHandle } from '@idp/redis';
import { redisFailure } from './errors.js';
import type { Admission, RateLimit } from '../../domain/rate-limit.js';
import type { RateLimiter } from '../../ports.js';

/** The rule of domain/rate-limit.ts `admit`, atomically in Redis (the shared sliding-window script). */
export function createRedisRateLimiter(h: RedisHandle): RateLimiter {
  const limiter = slidingWindowLimiter(h.redis);
  return {
    async admit(limits: readonly RateLimit[], now: Date): Promise<Admission> {
      let result;
      try {
        result = await limiter.admit(limits, now);
      } catch (cause) {
        throw redisFailure(cause);
      }
      if (result.admitted) return { admitted: true };
      return { admitted: false, limit: limits[result.refusedBy]!.name, retryAfterMs: result.retryAfterMs };
    },
  };
}
