import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { z } from 'zod';
import { connect } from '@nats-io/transport-node';
import { sealOnce } from '@idp/audit';
import {
  Catalog,
  SealCheckpointV1,
  createPublisher,
  createTestSigner,
  defineEvent,
  defineSeal,
  ensureStreams,
  eventStreamSpec,
  jetstream,
  jetstreamManager,
  sealStreamSpec,
  type JetStreamManager,
  type NatsConnection,
} from '@idp/events';
import { createLogger } from '@idp/observability';
import { findInfrastructure, uniqueName } from '@idp/testing';
import type { CliContext } from '../context.js';
import { runCli } from '../program.js';

describe('cli idp audit (real nats-server)', () => {
  let nc: NatsConnection;
  let jsm: JetStreamManager;
  let dir: string;
  let out: string[];
  let err: string[];
  const streams: string[] = [];
  const ctx = (): CliContext => ({
    out: (l) => out.push(l),
    err: (l) => err.push(l),
    readStdin: () => Promise.resolve(''),
    call: () => Promise.reject(new Error('audit commands make no requests')),
    jetstream: async () => ({ js: jetstream(nc), jsm }),
    natsUrl: 'nats://test',
    correlationId: 'test',
  });

  before(async () => {
    nc = await connect({ servers: (await findInfrastructure()).natsUrl });
    jsm = await jetstreamManager(nc);
    dir = mkdtempSync(join(tmpdir(), 'idp-cli-audit-'));
  });
  beforeEach(() => {
    out = [];
    err = [];
  });
  after(async () => {
    for (const s of streams) await jsm.streams.delete(s).catch(() => undefined);
    await nc.drain();
    rmSync(dir, { recursive: true, force: true });
  });

  it('has --help on every audit command', async () => {
    for (const argv of [['audit'], ['audit', 'trust'], ['audit', 'verify']]) {
      out = [];
      expect(await runCli([...argv, '--help'], ctx())).to.equal(0);
      expect(out.join('\n')).to.match(/Usage: idp audit/);
    }
    expect(out.join('\n'))
      .to.match(/--trust <file>/)
      .and.match(/--format <format>/)
      .and.match(/Exit status: 0 intact/);
  });

  it('builds the trust file from public keys, then verify exits 0 on an intact log and 1 naming a deleted seq', async () => {
    const producer = createTestSigner();
    const notary = createTestSigner();
    const keys = join(dir, 'keys');
    const { mkdirSync } = await import('node:fs');
    mkdirSync(keys);
    writeFileSync(join(keys, 'accounts.pub.pem'), producer.publicKeyPem);
    writeFileSync(join(keys, 'notary.pub.pem'), notary.publicKeyPem);
    const trustFile = join(dir, 'trust.json');
    expect(await runCli(['audit', 'trust', '--keys', keys, '--out', trustFile], ctx())).to.equal(0);
    const trust = JSON.parse(readFileSync(trustFile, 'utf8')) as {
      keys: { service: string; role: string; keyId: string }[];
    };
    expect(trust.keys.map((k) => [k.service, k.role, k.keyId])).to.deep.equal([
      ['accounts', 'producer', producer.keyId],
      ['notary', 'notary', notary.keyId],
    ]);

    const domain = uniqueName('c');
    const Happened = defineEvent(`idp.${domain}.thing_happened.v1`, z.object({ n: z.number() }), 'test');
    const Seal = defineSeal(`idp.seal.${domain}_checkpoint.v1`, SealCheckpointV1.schema, 'test');
    const cat = new Catalog([Happened, Seal]);
    const prefix = `${domain.toUpperCase()}_`;
    // deny_delete off from the start: nats-server refuses to lift it later (see the notary's tamper tests).
    const events = { ...eventStreamSpec(cat, { namePrefix: prefix }), deny_delete: false };
    const seals = sealStreamSpec(cat, { namePrefix: prefix });
    await ensureStreams(jsm, [events, seals], createLogger({ service: 't', level: 'silent' }));
    streams.push(events.name, seals.name);
    const js = jetstream(nc);
    const pub = createPublisher(js, { producer: 'accounts@t/1', catalog: cat, signer: producer });
    for (let n = 1; n <= 4; n++)
      await pub.publish(
        Happened,
        { aggregate: { type: 't', id: `${n}` }, data: { n } },
        { correlationId: 'c' },
      );
    const sealed = await sealOnce({
      js,
      jsm,
      eventsStream: events.name,
      sealsStream: seals.name,
      subject: Seal.subject,
      signer: notary,
      notary: 'notary@t/1',
      maxEventsPerCheckpoint: 100,
    });
    expect(sealed.kind).to.equal('sealed');

    const verify = [
      'audit',
      'verify',
      '--trust',
      trustFile,
      '--events-stream',
      events.name,
      '--seals-stream',
      seals.name,
    ];
    expect(await runCli(verify, ctx())).to.equal(0);
    expect(out[0]).to.match(/^INTACT/);
    expect(out.join('\n')).to.match(/events\/s/);

    await jsm.streams.deleteMessage(events.name, 2);
    out = [];
    expect(await runCli([...verify, '--format', 'json', '--workers', '0'], ctx())).to.equal(1);
    const report = JSON.parse(out.join('')) as { intact: boolean; findings: { kind: string; seq: number }[] };
    expect(report.intact).to.equal(false);
    expect(report.findings.map((f) => [f.kind, f.seq])).to.deep.equal([['missing', 2]]);
    expect(err.join('\n')).to.match(/NOT intact/);

    expect(await runCli(['audit', 'verify', '--trust', join(dir, 'nope.json')], ctx())).to.equal(2);
  });
});
