import { z } from '@idp/config';
import { type RedisHandle } from '@idp/redis';
import { redisFailure } from './errors.js';
import { retainUntil, type Challenge } from '../../domain/challenge.js';
import type { ChallengeStore, Versioned } from '../../ports.js';

// A challenge is one hash: `v` (version) and `d` (JSON). Both scripts set the expiry in the same
// step as the value, so no key ever exists without a TTL.
const CREATE = `
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], 'v', '1', 'd', ARGV[1])
redis.call('PEXPIREAT', KEYS[1], ARGV[2])
return 1`;
// Compare-and-set: concurrent verifications of one challenge serialise here, so wrong guesses can
// never be counted fewer times than they were made, nor a code accepted twice.
const REPLACE = `
if redis.call('HGET', KEYS[1], 'v') ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'v', ARGV[2], 'd', ARGV[3])
redis.call('PEXPIREAT', KEYS[1], ARGV[4])
return 1`;

const isoDate = z.iso.datetime().transform((s) => new Date(s));
const Stored = z.object({
  id: z.string(),
  accountId: z.string(),
  purpose: z.enum(['login', 'bind_phone']),
  serviceName: z.string(),
  destinationHint: z.string(),
  destinationSealed: z.string(),
  codeHmac: z.string(),
  generation: z.number().int(),
  state: z.enum(['pending', 'verified', 'locked']),
  delivery: z.enum(['sending', 'sent', 'failed']),
  attempts: z.number().int(),
  failures: z.number().int(),
  resends: z.number().int(),
  sentAt: isoDate,
  expiresAt: isoDate,
  policy: z.object({
    ttlMs: z.number(),
    maxAttempts: z.number(),
    resendCooldownMs: z.number(),
    maxResends: z.number(),
    retainMs: z.number(),
  }),
});

type Scripted = (key: string, ...args: string[]) => Promise<number>;

/** Challenges in Redis under `<prefix>ch:<id>`, written only through the two scripts above. */
export function createRedisChallengeStore(h: RedisHandle): ChallengeStore {
  const r = h.redis;
  r.defineCommand('otpChallengeCreate', { numberOfKeys: 1, lua: CREATE });
  r.defineCommand('otpChallengeReplace', { numberOfKeys: 1, lua: REPLACE });
  const scripts = r as unknown as { otpChallengeCreate: Scripted; otpChallengeReplace: Scripted };
  const key = (id: string) => `ch:${id}`;
  const call = async <T>(f: () => Promise<T>): Promise<T> => {
    try {
      return await f();
    } catch (cause) {
      throw redisFailure(cause);
    }
  };
  return {
    async create(ch) {
      const ok = await call(() =>
        scripts.otpChallengeCreate(key(ch.id), JSON.stringify(ch), String(retainUntil(ch).getTime())),
      );
      if (ok !== 1) throw new Error(`challenge ${ch.id} exists already`);
    },
    async get(id): Promise<Versioned<Challenge> | undefined> {
      const [v, d] = await call(() => r.hmget(key(id), 'v', 'd'));
      if (v == null || d == null) return undefined;
      return { value: Stored.parse(JSON.parse(d)), version: Number(v) };
    },
    async replace(ch, version) {
      const ok = await call(() =>
        scripts.otpChallengeReplace(
          key(ch.id),
          String(version),
          String(version + 1),
          JSON.stringify(ch),
          String(retainUntil(ch).getTime()),
        ),
      );
      return ok === 1;
    },
  };
}
