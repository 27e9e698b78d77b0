import { expect } from 'chai';
import { isPortOpen } from './infrastructure.js';
import { privateNatsServer, privatePostgres } from './servers.js';

describe('testing private servers', function () {
  this.timeout(60_000);

  it('starts, stops and restarts a nats-server of its own', async () => {
    const nats = privateNatsServer(14222 + Math.floor(Math.random() * 500));
    try {
      await nats.start();
      expect(await isPortOpen('127.0.0.1', nats.port)).to.equal(true);
      await nats.stop();
      expect(await isPortOpen('127.0.0.1', nats.port)).to.equal(false);
      await nats.start();
      expect(await isPortOpen('127.0.0.1', nats.port)).to.equal(true);
    } finally {
      await nats.destroy();
    }
  });

  it('starts, stops and restarts a PostgreSQL cluster of its own', async () => {
    const pg = privatePostgres(15432 + Math.floor(Math.random() * 500));
    try {
      await pg.start();
      expect(await isPortOpen('127.0.0.1', pg.port)).to.equal(true);
      await pg.stop();
      expect(await isPortOpen('127.0.0.1', pg.port)).to.equal(false);
      await pg.start();
      expect(await isPortOpen('127.0.0.1', pg.port)).to.equal(true);
    } finally {
      await pg.destroy();
    }
  });
});
