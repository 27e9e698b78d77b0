import { expect } from 'chai';
import { createLogger } from '@idp/observability';
import { findInfrastructure, uniqueName, waitFor } from '@idp/testing';
import { connectRedis, slidingWindowLimiter, type RedisHandle } from './index.js';

const log = createLogger({ service: 'test', level: 'silent' });

describe('redis slidingWindowLimiter() (real Redis)', () => {
  let h: RedisHandle;
  beforeEach(async () => {
    h = connectRedis({
      url: (await findInfrastructure()).redisUrl,
      prefix: `${uniqueName('t_rl')}:`,
      log,
      name: 'test',
    });
    await waitFor('redis ready', () => h.check().then(() => true));
  });
  afterEach(async () => {
    const keys = await h.redis.keys('*');
    if (keys.length) await h.redis.del(...keys.map((k) => k.slice(h.prefix.length)));
    await h.close();
  });

  it('admits up to the cap atomically under concurrency, then says when the oldest leaves the window', async () => {
    const limiter = slidingWindowLimiter(h.redis);
    const limits = [{ key: 'a', cap: 3, windowMs: 60_000 }];
    const t0 = new Date();
    const results = await Promise.all(Array.from({ length: 8 }, () => limiter.admit(limits, t0)));
    expect(results.filter((r) => r.admitted)).to.have.length(3);
    const later = new Date(t0.getTime() + 20_000);
    expect(await limiter.admit(limits, later)).to.deep.equal({
      admitted: false,
      refusedBy: 0,
      retryAfterMs: 40_000,
    });
    expect((await limiter.admit(limits, new Date(t0.getTime() + 60_001))).admitted).to.equal(true);
    const ttl = await h.redis.pttl('a');
    expect(ttl).to.be.within(1, 60_000);
  });

  it('counts in every limit only when all have room, and names the one that was full', async () => {
    const limiter = slidingWindowLimiter(h.redis);
    const now = new Date();
    const wide = { key: 'wide', cap: 10, windowMs: 60_000 };
    expect((await limiter.admit([wide, { key: 'x', cap: 1, windowMs: 60_000 }], now)).admitted).to.equal(
      true,
    );
    const refused = await limiter.admit([wide, { key: 'x', cap: 1, windowMs: 60_000 }], now);
    expect(refused).to.deep.include({ admitted: false, refusedBy: 1 });
    expect(await h.redis.zcard('wide')).to.equal(1);
    expect(await limiter.admit([], now)).to.deep.equal({ admitted: true });
  });
});
