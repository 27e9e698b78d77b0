import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { expect } from 'chai';
import { Redis } from 'ioredis';
import pg from 'pg';
import { findInfrastructure, uniqueName, type Infrastructure } from '@idp/testing';
import { SERVICES } from './mesh.js';
import { developmentTarget, resetData, type ResetTarget } from './reset.js';

// Everything under names of this test's own: a reset must never reach a developer's data.
describe('make reset (resetData)', () => {
  let infra: Infrastructure;
  let nc: NatsConnection;
  let jsm: JetStreamManager;
  let admin: pg.Client;
  let redis: Redis;
  let root: string;
  const tag = uniqueName('rst').toUpperCase();
  const role = tag.toLowerCase();
  const db = { host: '', port: 0, database: '' };

  before(async () => {
    infra = await findInfrastructure();
    nc = await connect({ servers: infra.natsUrl });
    jsm = await jetstreamManager(nc);
    admin = new pg.Client({ connectionString: infra.databaseUrl });
    await admin.connect();
    const u = new URL(infra.databaseUrl);
    Object.assign(db, { host: u.hostname, port: Number(u.port || 5432), database: u.pathname.slice(1) });
    redis = new Redis(infra.redisUrl);
    root = mkdtempSync(join(tmpdir(), 'idp-reset-'));
  });
  after(async () => {
    for (const name of [`${tag}_EVENTS`, `${tag}_WORK`, `KEEP_${tag}`])
      await jsm.streams.delete(name).catch(() => false);
    await admin.query(`DROP SCHEMA IF EXISTS ${role}_a, ${role}_b, keep_${role} CASCADE`);
    await admin.query(`DROP ROLE IF EXISTS ${role}`);
    await admin.end();
    await redis.del(`${role}:x`, `${role}:y`, `keep-${role}:x`);
    redis.disconnect();
    await nc.close();
    rmSync(root, { recursive: true, force: true });
  });

  it("deletes the named streams, the role's schemas, the prefixed keys and the files, and nothing else", async () => {
    for (const [name, subject] of [
      [`${tag}_EVENTS`, `${role}.events.>`],
      [`${tag}_WORK`, `${role}.work.>`],
      [`KEEP_${tag}`, `${role}.keep.>`],
    ] as const)
      await jsm.streams.add({ name, subjects: [subject] });
    await admin.query(`CREATE ROLE ${role} LOGIN`);
    await admin.query(`CREATE SCHEMA ${role}_a AUTHORIZATION ${role}`);
    await admin.query(`CREATE TABLE ${role}_a.t (id int)`);
    await admin.query(`CREATE SCHEMA ${role}_b AUTHORIZATION ${role}`);
    await admin.query(`CREATE SCHEMA keep_${role}`);
    await redis.set(`${role}:x`, '1');
    await redis.set(`${role}:y`, '1');
    await redis.set(`keep-${role}:x`, '1');
    mkdirSync(join(root, 'var', 'event-keys'), { recursive: true });
    writeFileSync(join(root, 'var', 'event-keys', 'a.key.pem'), 'k');
    writeFileSync(join(root, 'var', 'audit-trust.json'), '{}');
    writeFileSync(join(root, 'var', 'keep.txt'), 'kept');

    const target: ResetTarget = {
      natsUrl: infra.natsUrl,
      streamPrefix: `${tag}_`,
      pg: db,
      roles: [role],
      redisUrl: infra.redisUrl,
      redisPrefixes: [`${role}:`],
      root,
      paths: ['var/event-keys', 'var/audit-trust.json', 'var/not-there'],
    };
    const said: string[] = [];
    await resetData(target, (line) => said.push(line));

    const streams: string[] = [];
    for await (const s of jsm.streams.list()) streams.push(s.config.name);
    expect(streams).to.include(`KEEP_${tag}`);
    expect(streams).not.to.include(`${tag}_EVENTS`);
    expect(streams).not.to.include(`${tag}_WORK`);
    const { rows } = await admin.query<{ n: string }>(
      'SELECT nspname AS n FROM pg_namespace WHERE nspname = ANY($1) ORDER BY 1',
      [[`${role}_a`, `${role}_b`, `keep_${role}`]],
    );
    expect(rows.map((r) => r.n)).to.deep.equal([`keep_${role}`]);
    expect(await redis.exists(`${role}:x`, `${role}:y`)).to.equal(0);
    expect(await redis.get(`keep-${role}:x`)).to.equal('1');
    expect(existsSync(join(root, 'var', 'event-keys'))).to.equal(false);
    expect(existsSync(join(root, 'var', 'audit-trust.json'))).to.equal(false);
    expect(existsSync(join(root, 'var', 'keep.txt'))).to.equal(true);
    expect(said.join('\n'))
      .to.match(/deleted 2 stream\(s\)/)
      .and.match(/deleted 2 key\(s\)/);

    // Again, with everything already gone: nothing to do is no error.
    await resetData(target, () => undefined);
  });

  it('aims at what make up uses: the IDP_ streams, every service role and Redis prefix, var/ keys', () => {
    const t = developmentTarget();
    expect(t.streamPrefix).to.equal('IDP_');
    expect(t.pg.database).to.equal('idp');
    expect(t.roles).to.deep.equal(['idp_accounts', 'idp_activation', 'idp_ra']);
    expect(t.redisPrefixes).to.deep.equal(['gw:', 'otp:']);
    expect(t.paths.map((p) => p.replace(`${t.root}/`, ''))).to.include.members([
      'var/event-keys',
      'var/dev-secrets',
      'var/ra-keys',
      'var/audit-trust.json',
    ]);
    expect(t.paths).not.to.include('var/idp-keys');
    expect(SERVICES.filter((s) => s.redisPrefix).map((s) => s.name)).to.deep.equal([
      'idp-gateway',
      'otp-sender',
    ]);
  });
});
