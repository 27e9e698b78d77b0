import { expect } from 'chai';
import { createLogger } from '@idp/observability';
import { findInfrastructure, uniqueName, waitFor } from '@idp/testing';
import { connectRedis } from './index.js';

const log = createLogger({ service: 'test', level: 'silent' });

describe('redis connectRedis()', () => {
  it('prefixes keys, answers readiness, and fails fast when the server is unreachable', async () => {
    const prefix = `${uniqueName('t')}:`;
    const h = connectRedis({ url: (await findInfrastructure()).redisUrl, prefix, log, name: 'test' });
    try {
      await waitFor('redis ready', () => h.check().then(() => true));
      await h.redis.set('k', 'v', 'EX', 10);
      const raw = connectRedis({ url: (await findInfrastructure()).redisUrl, prefix: '', log, name: 'raw' });
      await waitFor('raw ready', () => raw.check().then(() => true));
      expect(await raw.redis.get(`${prefix}k`)).to.equal('v');
      await raw.redis.del(`${prefix}k`);
      await raw.close();
    } finally {
      await h.close();
    }
    const dead = connectRedis({ url: 'redis://127.0.0.1:1', prefix: 'x:', log, name: 'dead' });
    const started = Date.now();
    const err = await dead.redis.get('k').catch((e: unknown) => e);
    expect(err).to.be.instanceOf(Error);
    expect(Date.now() - started).to.be.below(1000);
    const check = await dead.check().catch((e: unknown) => e);
    expect(check).to.be.instanceOf(Error);
    dead.redis.disconnect();
  });
});
