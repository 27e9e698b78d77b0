import { expect } from 'chai';
import type { RedisHandle } from '@idp/redis';
import { apply, issue, verify, type Challenge } from '../../domain/challenge.js';
import { sendLimits } from '../../domain/rate-limit.js';
import { mutate } from '../../handlers/deps.js';
import { dropTestRedis, keysWithTtl, testRedis } from '../../testing/redis.js';
import { createRedisChallengeStore } from './challenge-store.js';
import { createRedisRateLimiter } from './rate-limiter.js';

const POLICY = { ttlMs: 300_000, maxAttempts: 5, resendCooldownMs: 30_000, maxResends: 3, retainMs: 600_000 };
const newChallenge = (id: string, now: Date): Challenge =>
  apply(
    undefined,
    issue(
      {
        id,
        accountId: '0190f0c4-0000-7000-8000-0000000000aa',
        purpose: 'login',
        serviceName: 'eDavki',
        destinationHint: '+386 •• ••• • 56',
        destinationSealed: 'sealed',
        codeHmac: 'hmac',
      },
      POLICY,
      now,
    ),
  )!;
let n = 0;
const nextId = () => `0190f0c4-0000-7000-8000-${String(++n).padStart(12, '0')}`;

describe('adapters/redis challenge store and rate limiter (real Redis)', () => {
  let h: RedisHandle;
  beforeEach(async () => {
    h = await testRedis();
  });
  afterEach(() => dropTestRedis(h));

  it('stores a challenge under otp:… with a TTL until expiry plus retention, and reads it back', async () => {
    const store = createRedisChallengeStore(h);
    const now = new Date();
    const ch = newChallenge(nextId(), now);
    await store.create(ch);
    const got = await store.get(ch.id);
    expect(got?.version).to.equal(1);
    expect(got?.value).to.deep.equal(ch);
    const keys = await keysWithTtl(h);
    expect([...keys.keys()]).to.deep.equal([`${h.prefix}ch:${ch.id}`]);
    expect(h.prefix.startsWith('otp:')).to.equal(true);
    const ttl = [...keys.values()][0]!;
    expect(ttl).to.be.within(POLICY.ttlMs + POLICY.retainMs - 5000, POLICY.ttlMs + POLICY.retainMs);
    await expectRejection(store.create(ch));
  });

  it('replaces only at the version read (compare-and-set)', async () => {
    const store = createRedisChallengeStore(h);
    const ch = newChallenge(nextId(), new Date());
    await store.create(ch);
    expect(await store.replace({ ...ch, attempts: 1 }, 1)).to.equal(true);
    expect(await store.replace({ ...ch, attempts: 9 }, 1)).to.equal(false);
    expect((await store.get(ch.id))?.value.attempts).to.equal(1);
    expect(await store.get(nextId())).to.equal(undefined);
  });

  it('counts 20 concurrent wrong guesses as exactly 5 before the lock', async () => {
    const store = createRedisChallengeStore(h);
    const now = new Date();
    const ch = newChallenge(nextId(), now);
    await store.create(ch);
    let compared = 0;
    const results = await Promise.all(
      Array.from({ length: 20 }, () =>
        mutate(store, ch.id, (c) =>
          verify(
            c,
            () => {
              compared++;
              return false;
            },
            now,
          ),
        ),
      ),
    );
    const final = (await store.get(ch.id))!.value;
    expect(final.state).to.equal('locked');
    expect(final.attempts).to.equal(5);
    expect(final.failures).to.equal(20);
    expect(results.filter((r) => r.events.some((e) => e.type === 'locked'))).to.have.length(1);
    // Retried decisions may compare again, but only five comparisons ever counted.
    expect(compared).to.be.at.least(5);
  });

  it('admits per phone up to the cap in a sliding hour, atomically under concurrency, with TTLs', async () => {
    const limiter = createRedisRateLimiter(h);
    const limits = sendLimits({ phone: 'p1', prefix: 'x1' }, { phoneHourlyCap: 10, prefixHourlyCap: 100 });
    const t0 = Date.now();
    const results = await Promise.all(Array.from({ length: 15 }, () => limiter.admit(limits, new Date(t0))));
    expect(results.filter((r) => r.admitted)).to.have.length(10);
    const refused = results.find((r) => !r.admitted);
    expect(refused).to.deep.include({ admitted: false, limit: 'phone' });
    // The oldest entry leaves the window an hour later.
    expect((await limiter.admit(limits, new Date(t0 + 3600_000 + 1))).admitted).to.equal(true);
    const keys = await keysWithTtl(h);
    expect([...keys.keys()].sort()).to.deep.equal([`${h.prefix}rl:phone:p1`, `${h.prefix}rl:prefix:x1`]);
    for (const [key, ttl] of keys) expect(ttl, key).to.be.within(1, 3600_000);
  });

  it('caps a number block across phones and counts nothing for a refused send', async () => {
    const limiter = createRedisRateLimiter(h);
    const caps = { phoneHourlyCap: 10, prefixHourlyCap: 3 };
    const t = new Date();
    for (const p of ['a', 'b', 'c']) {
      expect((await limiter.admit(sendLimits({ phone: p, prefix: 'blk' }, caps), t)).admitted).to.equal(true);
    }
    const refused = await limiter.admit(sendLimits({ phone: 'd', prefix: 'blk' }, caps), t);
    expect(refused).to.deep.include({ admitted: false, limit: 'prefix' });
    expect(await h.redis.zcard('rl:phone:a')).to.equal(1);
    expect(await h.redis.zcard('rl:phone:d')).to.equal(0);
  });
});

describe('adapters/redis failures', () => {
  it('reports a Redis reply error as itself (a bug), not as infra.redis_down', async () => {
    const h = await testRedis();
    try {
      await h.redis.set('rl:phone:typed', 'a string', 'PX', 60_000);
      const limits = sendLimits({ phone: 'typed', prefix: 'y' }, { phoneHourlyCap: 1, prefixHourlyCap: 1 });
      const err = await createRedisRateLimiter(h)
        .admit(limits, new Date())
        .then(
          () => undefined,
          (e: unknown) => e as Error,
        );
      expect(err?.name).to.equal('ReplyError');
    } finally {
      await dropTestRedis(h);
    }
  });

  it('maps a closed connection to infra.redis_down', async () => {
    const h = await testRedis();
    await h.close();
    const err = await createRedisChallengeStore(h)
      .get('x')
      .then(
        () => undefined,
        (e: unknown) => e as { code?: string },
      );
    expect(err?.code).to.equal('infra.redis_down');
  });
});

async function expectRejection(p: Promise<unknown>) {
  const r = await p.then(
    () => 'resolved',
    () => 'rejected',
  );
  expect(r).to.equal('rejected');
}
