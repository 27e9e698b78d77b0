import { expect } from 'chai';
import { findInfrastructure, isPortOpen } from './infrastructure.js';

describe('testing findInfrastructure()', () => {
  it('finds NATS, Redis and PostgreSQL that accept connections', async () => {
    const infra = await findInfrastructure();
    for (const url of [infra.natsUrl, infra.redisUrl, infra.databaseUrl]) {
      const u = new URL(url);
      expect(await isPortOpen(u.hostname, Number(u.port)), url).to.equal(true);
    }
  });

  it('reports a closed port as closed', async () => {
    expect(await isPortOpen('127.0.0.1', 1, 200)).to.equal(false);
  });
});
