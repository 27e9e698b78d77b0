import { expect } from 'chai';
import { createLogger } from '@idp/observability';
import { connectRedis, type RedisHandle } from '@idp/redis';
import { findInfrastructure, uniqueName, waitFor } from '@idp/testing';
import { SessionStore } from './store.js';

const log = createLogger({ service: 'test', level: 'silent' });

describe('idp-gateway session store (real Redis)', function () {
  this.timeout(10_000);
  let h: RedisHandle;
  let store: SessionStore;
  const T0 = new Date('2026-11-23T10:00:00Z');

  before(async () => {
    h = connectRedis({
      url: (await findInfrastructure()).redisUrl,
      prefix: `${uniqueName('t')}:`,
      log,
      name: 'test',
    });
    await waitFor('redis', () => h.check().then(() => true));
    store = new SessionStore(h.redis, {
      transactionTtlMs: 2000,
      sessionIdleMs: 1000,
      sessionAbsoluteMs: 60_000,
    });
  });
  after(async () => {
    const keys = await h.redis.keys('*');
    // keys() returns prefixed names; del() would prefix again, so strip the prefix first.
    if (keys.length) await h.redis.del(...keys.map((k) => k.slice(h.prefix.length)));
    await h.close();
  });

  it('keeps a login transaction with its CSRF token and expires it', async () => {
    const tx = await store.createTransaction(
      {
        spEntityId: 'sp',
        requestId: '_r',
        acsUrl: 'https://sp/acs',
        forceAuthn: false,
        isPassive: false,
        nameIdFormat: 'persistent',
        requiredLoa: 'substantial',
        lang: 'sl',
      },
      T0,
    );
    expect(tx.csrfToken).to.have.length(43);
    await store.saveTransaction({ ...tx, step: 'otp', accountId: 'a' });
    expect((await store.getTransaction(tx.id))?.step).to.equal('otp');
    expect(await h.redis.pttl(`tx:${tx.id}`)).to.be.within(1, 2000);
    await waitFor(
      'transaction to expire',
      async () => (await store.getTransaction(tx.id)) === undefined,
      5000,
      100,
    );
  });

  it('ends a session at the absolute timeout even while it is being used', async () => {
    const s = await store.createSession(
      {
        accountId: 'a',
        loa: 'substantial',
        methods: ['password', 'sms_otp'],
        authnInstant: T0.toISOString(),
      },
      T0,
    );
    expect(await store.getSession(s.id, new Date(T0.getTime() + 500))).to.include({ id: s.id });
    expect(await store.getSession(s.id, new Date(T0.getTime() + 61_000))).to.equal(undefined);
  });

  it('ends an unused session after the idle timeout', async () => {
    const now = new Date();
    const s = await store.createSession(
      { accountId: 'a', loa: 'low', methods: ['password'], authnInstant: now.toISOString() },
      now,
    );
    await waitFor('idle expiry', async () => (await h.redis.exists(`sess:${s.id}`)) === 0, 5000, 100);
  });

  it('reports a replayed request ID exactly once across concurrent checks', async () => {
    const results = await Promise.all(
      Array.from({ length: 10 }, () => store.seenRequestId('sp', '_dup', 10_000)),
    );
    expect(results.filter((seen) => !seen)).to.have.length(1);
  });
});
