import { expect } from 'chai';
import { createRpcClient, serviceStatus, SERVICE_NAMES, type ServiceName } from '@idp/events';
import { waitFor } from '@idp/testing';
import type { MeshInstance } from '../../infra/dev/mesh.js';
import { startStack, type Stack } from './support/stack.js';

interface Readiness {
  status: string;
  checks: Record<string, string>;
}

async function readiness(i: MeshInstance): Promise<{ status: number; body: Readiness }> {
  const res = await fetch(`${i.adminUrl}/readyz`, { signal: AbortSignal.timeout(3000) });
  return { status: res.status, body: (await res.json()) as Readiness };
}

const DB_SERVICES: readonly string[] = [
  'accounts',
  'activation',
  'registration-authority',
] satisfies ServiceName[];

/**
 * The whole mesh as separate processes on servers this suite owns (its own nats-server,
 * PostgreSQL cluster and Redis on spare ports), so it can stop and restart them.
 */
describe('mesh: every service as processes', function () {
  this.timeout(180_000);
  let stack: Stack;

  before(async () => {
    stack = await startStack({ replicas: { accounts: 2 } });
  });
  after(async () => {
    await stack?.close();
  });

  it('brings every instance to ready, each dependency check ok', async () => {
    expect(stack.mesh.instances.map((i) => i.label)).to.have.members([
      'idp-gateway#1',
      'accounts#1',
      'accounts#2',
      'otp-sender#1',
      'activation#1',
      'registration-authority#1',
      'notary#1',
    ]);
    for (const i of stack.mesh.instances) {
      const r = await readiness(i);
      expect(r.status, i.label).to.equal(200);
      expect(
        Object.values(r.body.checks).every((c) => c === 'ok'),
        JSON.stringify(r.body.checks),
      ).to.equal(true);
      // The notary keeps no state of its own beyond its stream: NATS is its only dependency.
      const store = DB_SERVICES.includes(i.name) ? 'postgres' : i.name === 'notary' ? 'nats' : 'redis';
      expect(r.body.checks).to.have.property(store);
    }
  });

  it('answers each service status request over NATS', async () => {
    const rpc = createRpcClient(stack.nc, { defaultTimeoutMs: 2000 });
    for (const name of SERVICE_NAMES) {
      const reply = await rpc.call(serviceStatus[name], {}, { correlationId: `e2e-status-${name}` });
      expect(reply.service).to.equal(name);
      expect(reply.ready).to.equal(true);
    }
  });

  it('shares requests between two accounts instances through the queue group', async () => {
    const rpc = createRpcClient(stack.nc, { defaultTimeoutMs: 2000 });
    const answeredBy = new Map<string, number>();
    for (let i = 0; i < 60; i++) {
      const reply = await rpc.call(serviceStatus.accounts, {}, { correlationId: `e2e-share-${i}` });
      answeredBy.set(reply.instance, (answeredBy.get(reply.instance) ?? 0) + 1);
    }
    expect([...answeredBy.keys()].sort()).to.deep.equal(['accounts-1', 'accounts-2']);
    for (const n of answeredBy.values()) expect(n).to.be.at.least(10);
  });

  it('serves the public gateway and the officer console with the security headers', async () => {
    for (const url of [
      stack.mesh.instance('idp-gateway').httpUrl!,
      stack.mesh.instance('registration-authority').httpUrl!,
    ]) {
      const res = await fetch(url);
      expect(res.status).to.equal(200);
      expect(res.headers.get('content-security-policy')).to.contain("frame-ancestors 'none'");
      expect(res.headers.get('x-frame-options')).to.equal('DENY');
      expect(res.headers.get('x-correlation-id')).to.match(/^[0-9a-f-]{36}$/);
    }
  });

  it('turns /readyz 503 while NATS is down and recovers without a restart when it returns', async () => {
    const pids = stack.mesh.instances.map((i) => i.pid);
    await stack.nats.stop('kill');
    for (const i of stack.mesh.instances) {
      await waitFor(
        `${i.label} not ready`,
        async () => {
          const r = await readiness(i);
          return r.status === 503 && r.body.checks.nats !== 'ok';
        },
        20_000,
        200,
      );
    }
    await stack.nats.start();
    for (const i of stack.mesh.instances) {
      await waitFor(`${i.label} ready again`, async () => (await readiness(i)).status === 200, 30_000, 200);
    }
    expect(stack.mesh.instances.map((i) => i.pid)).to.deep.equal(pids);
    expect(stack.mesh.instances.every((i) => i.running && i.lastExit === undefined)).to.equal(true);
    const rpc = createRpcClient(stack.nc, { defaultTimeoutMs: 2000 });
    await waitFor(
      'status over NATS again',
      async () => (await rpc.call(serviceStatus.activation, {}, { correlationId: 'e2e-after-nats' })).ready,
    );
  });

  it('turns /readyz 503 for database services while PostgreSQL restarts and recovers without a restart', async () => {
    const pids = stack.mesh.instances.map((i) => i.pid);
    await stack.pg.stop('fast');
    for (const i of stack.mesh.instances.filter((x) => DB_SERVICES.includes(x.name))) {
      await waitFor(
        `${i.label} not ready`,
        async () => {
          const r = await readiness(i);
          return r.status === 503 && r.body.checks.postgres?.startsWith('down');
        },
        20_000,
        200,
      );
    }
    expect((await readiness(stack.mesh.instance('idp-gateway'))).status).to.equal(200);
    await stack.pg.start();
    for (const i of stack.mesh.instances) {
      await waitFor(`${i.label} ready again`, async () => (await readiness(i)).status === 200, 30_000, 200);
    }
    expect(stack.mesh.instances.map((i) => i.pid)).to.deep.equal(pids);
  });

  it('turns /readyz 503 while Redis is down for the services that use it, and recovers', async () => {
    await stack.redis.stop('kill');
    for (const name of ['idp-gateway', 'otp-sender'] as const) {
      await waitFor(
        `${name} not ready`,
        async () => {
          const r = await readiness(stack.mesh.instance(name));
          return r.status === 503 && r.body.checks.redis !== 'ok';
        },
        20_000,
        200,
      );
    }
    await stack.redis.start();
    for (const name of ['idp-gateway', 'otp-sender'] as const) {
      await waitFor(
        `${name} ready again`,
        async () => (await readiness(stack.mesh.instance(name))).status === 200,
        30_000,
        200,
      );
    }
  });

  it('stops every instance on SIGTERM with exit code 0 within 10 s', async () => {
    const results = await stack.mesh.stop();
    expect(results).to.have.length(7);
    for (const r of results) {
      expect(r, r.label).to.include({ code: 0, forced: false, wasRunning: true });
      expect(r.ms, r.label).to.be.below(10_000);
    }
  });
});
