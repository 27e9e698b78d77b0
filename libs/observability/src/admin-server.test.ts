import { expect } from 'chai';
import { Writable } from 'node:stream';
import { createLogger } from './logger.js';
import { createMetricsRegistry } from './metrics.js';
import { checkReadiness, startAdminServer } from './admin-server.js';
import { createShutdown } from './shutdown.js';

const quiet = createLogger({ service: 'test', level: 'silent' });

describe('observability checkReadiness()', () => {
  it('reports each failing dependency with its reason and a hung one as timed out', async () => {
    const report = await checkReadiness(
      {
        nats: () => Promise.resolve(),
        redis: () => Promise.reject(new Error('ECONNREFUSED')),
        postgres: () => new Promise<void>(() => {}),
      },
      50,
    );
    expect(report.ready).to.equal(false);
    expect(report.checks).to.deep.equal({
      nats: 'ok',
      redis: 'down: ECONNREFUSED',
      postgres: 'down: no answer within 50 ms',
    });
  });
});

describe('observability startAdminServer()', () => {
  it('serves /healthz, /readyz (503 when a check fails or shutting down) and /metrics', async () => {
    let natsUp = true;
    const server = await startAdminServer({
      host: '127.0.0.1',
      port: 0,
      log: quiet,
      registry: createMetricsRegistry({ service: 'test', instance: 't1' }),
      checks: { nats: () => (natsUp ? Promise.resolve() : Promise.reject(new Error('disconnected'))) },
      identity: { service: 'test', instance: 't1', version: '0.0.0' },
    });
    try {
      expect((await fetch(`${server.url}/healthz`)).status).to.equal(200);
      expect((await fetch(`${server.url}/readyz`)).status).to.equal(200);
      natsUp = false;
      const down = await fetch(`${server.url}/readyz`);
      expect(down.status).to.equal(503);
      expect(((await down.json()) as { checks: Record<string, string> }).checks.nats).to.equal(
        'down: disconnected',
      );
      natsUp = true;
      server.markShuttingDown();
      expect((await fetch(`${server.url}/readyz`)).status).to.equal(503);
      const metrics = await (await fetch(`${server.url}/metrics`)).text();
      expect(metrics).to.contain('process_cpu_user_seconds_total{service="test",instance="t1"}');
    } finally {
      await server.close();
    }
  });
});

describe('observability createLogger()', () => {
  it('censors secrets at the top level and one object deep', () => {
    const lines: string[] = [];
    const sink = new Writable({ write: (chunk, _enc, cb) => (lines.push(String(chunk)), cb()) });
    const log = createLogger({ service: 'test', destination: sink });
    log.info({ password: 'hunter2', req: { code: '123456' }, ok: 'visible' }, 'x');
    const line = lines.join('');
    expect(line).not.to.contain('hunter2');
    expect(line).not.to.contain('123456');
    expect(line).to.contain('visible');
  });
});

describe('observability createShutdown()', () => {
  it('runs hooks last-registered first and yields exit code 0', async () => {
    const order: string[] = [];
    const s = createShutdown({ log: quiet, timeoutMs: 1000, handleSignals: false });
    s.onShutdown('nats', () => void order.push('nats'));
    s.onShutdown('http', () => void order.push('http'));
    expect(await s.run('test')).to.equal(0);
    expect(order).to.deep.equal(['http', 'nats']);
  });

  it('gives up with exit code 1 when a hook hangs past the deadline', async () => {
    const s = createShutdown({ log: quiet, timeoutMs: 50, handleSignals: false });
    s.onShutdown('stuck', () => new Promise<void>(() => {}));
    expect(await s.run('test')).to.equal(1);
  });
});
