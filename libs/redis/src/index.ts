import { Redis } from 'ioredis';
import { DomainError } from '@idp/events';
import type { Logger } from '@idp/observability';

export { Redis };

export interface RedisHandle {
  redis: Redis;
  /** Every key this service writes starts with it (`<service>:`), so services never collide. */
  prefix: string;
  check(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Connects with reconnect-forever and fail-fast commands: while Redis is down a command rejects
 * at once (mapped to `infra.redis_down`) instead of queueing until the caller's deadline.
 */
export function connectRedis(o: { url: string; prefix: string; log: Logger; name: string }): RedisHandle {
  const redis = new Redis(o.url, {
    connectionName: o.name,
    keyPrefix: o.prefix,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    retryStrategy: (times) => Math.min(times * 200, 2000),
    lazyConnect: false,
  });
  let lastState = '';
  const logState = (state: string, extra: Record<string, unknown> = {}) => {
    if (state === lastState) return;
    lastState = state;
    (state === 'ready' ? o.log.info.bind(o.log) : o.log.warn.bind(o.log))(extra, `redis ${state}`);
  };
  redis.on('ready', () => logState('ready'));
  redis.on('error', (err: Error) => logState('error', { err: { message: err.message } }));
  redis.on('end', () => logState('closed'));
  return {
    redis,
    prefix: o.prefix,
    check: async () => {
      if (redis.status !== 'ready') throw new Error(redis.status);
      await redis.ping();
    },
    close: async () => {
      if (redis.status === 'end') return;
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}

/** Maps a Redis client failure to the domain's `unavailable` error, keeping the cause. */
export function wrapRedisError(cause: unknown): DomainError {
  return new DomainError('unavailable', 'infra.redis_down', { cause, message: 'session store unavailable' });
}
export * from './sliding-window.js';
