import { createLogger } from '@idp/observability';
import { connectRedis, type RedisHandle } from '@idp/redis';
import { findInfrastructure, uniqueName, waitFor } from '@idp/testing';

/** A Redis handle whose keys live under a prefix of this test's own (`otp:<unique>:`). */
export async function testRedis(): Promise<RedisHandle> {
  const prefix = `${uniqueName('otp:it')}:`;
  const h = connectRedis({
    url: (await findInfrastructure()).redisUrl,
    prefix,
    log: createLogger({ service: 'test', level: 'silent' }),
    name: 'otp-sender-test',
  });
  await waitFor('redis ready', () => h.redis.status === 'ready', 5000);
  return h;
}

/** Every key under the handle's prefix with its remaining TTL (ms; -1 = none). */
export async function keysWithTtl(h: RedisHandle): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  let cursor = '0';
  do {
    const [next, keys] = await h.redis.scan(cursor, 'MATCH', `${h.prefix}*`, 'COUNT', 500);
    cursor = next;
    // SCAN returns full names; commands add the prefix themselves.
    for (const k of keys) out.set(k, await h.redis.pttl(k.slice(h.prefix.length)));
  } while (cursor !== '0');
  return out;
}

/** Removes this test's keys and disconnects. */
export async function dropTestRedis(h: RedisHandle): Promise<void> {
  for (const k of (await keysWithTtl(h)).keys()) await h.redis.del(k.slice(h.prefix.length));
  await h.close();
}
