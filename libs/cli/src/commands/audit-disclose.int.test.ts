import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createPrivateKey, createPublicKey, randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { connect } from '@nats-io/transport-node';
import type { accountsRpc } from '@idp/events';
import {
  AccountPersonalDataChangedV1,
  DomainError,
  buildEnvelope,
  catalog,
  createTestSigner,
  decryptField,
  disclosureSigningBytes,
  encryptField,
  ensureStreams,
  eventStreamSpec,
  jetstream,
  jetstreamManager,
  publishEnvelope,
  verifySignature,
  type NatsConnection,
  type RpcRequest,
} from '@idp/events';
import { createLogger } from '@idp/observability';
import { privateNatsServer, uniqueName, type PrivateServer } from '@idp/testing';
import type { CliContext } from '../context.js';
import { runCli } from '../program.js';

const log = createLogger({ service: 'cli-disclose-test', level: 'silent' });
type DiscloseRequest = RpcRequest<typeof accountsRpc.disclosePersonalData>;

describe('cli idp audit disclose|auditor-key over a real nats-server', function () {
  this.timeout(60_000);
  let server: PrivateServer;
  let nc: NatsConnection;
  let dir: string;
  const prefix = `${uniqueName('T').toUpperCase()}_`;
  const stream = `${prefix}IDP_EVENTS`;
  const personKey = randomBytes(32);
  const accountId = '019a0000-0000-7000-8000-0000000000aa';
  const subject = AccountPersonalDataChangedV1.subject;
  const env = buildEnvelope(
    AccountPersonalDataChangedV1,
    {
      aggregate: { type: 'account', id: accountId },
      data: {
        accountId,
        changes: [
          {
            field: 'family_name',
            value: encryptField(personKey, 'k1', 'Novak', { subject, field: 'family_name', accountId }),
          },
        ],
      },
    },
    { correlationId: 'c1' },
    { producer: 'accounts@test', catalog },
  );

  before(async () => {
    for (let attempt = 0; !server; attempt++) {
      const s = privateNatsServer(28_000 + Math.floor(Math.random() * 1000));
      try {
        await s.start();
        server = s;
      } catch (err) {
        await s.destroy();
        if (attempt >= 4) throw err;
      }
    }
    nc = await connect({ servers: server.url });
    await ensureStreams(await jetstreamManager(nc), [eventStreamSpec(catalog, { namePrefix: prefix })], log);
    await publishEnvelope(jetstream(nc), env, createTestSigner());
    dir = mkdtempSync(join(tmpdir(), 'idp-cli-disclose-'));
  });
  after(async () => {
    await nc?.close();
    await server?.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  /** A stand-in for accounts: checks the auditor's signature and answers as told. */
  function context(answer: (req: DiscloseRequest, publicKeyPem: string) => unknown, publicKeyPem = '') {
    const out: string[] = [];
    const err: string[] = [];
    const requests: DiscloseRequest[] = [];
    const ctx: CliContext = {
      out: (l) => out.push(l),
      err: (l) => err.push(l),
      readStdin: () => Promise.resolve(''),
      call: (async (_c: unknown, req: DiscloseRequest) => {
        requests.push(req);
        return answer(req, publicKeyPem);
      }) as CliContext['call'],
      natsUrl: server.url,
      correlationId: 'test',
      nats: () => Promise.resolve(nc),
      isTTY: false,
    };
    return { ctx, out, err, requests };
  }

  const keyFile = () => join(dir, 'auditor.pem');
  let publicKeyPem = '';
  const disclose = (field = 'family_name', event = env.id) => [
    'audit',
    'disclose',
    '--event',
    event,
    '--field',
    field,
    '--reason',
    'surname correction dispute, case 2026/17',
    '--auditor-key',
    keyFile(),
    '--auditor-id',
    'ana@revizija.si',
    '--stream',
    stream,
  ];

  it('auditor-key writes a private key only its owner reads, prints the public key, and never overwrites', async () => {
    const c = context(() => undefined);
    expect(await runCli(['audit', 'auditor-key', '--out', keyFile()], c.ctx)).to.equal(0);
    publicKeyPem = c.out.join('\n');
    expect(createPublicKey(publicKeyPem).asymmetricKeyType).to.equal('ed25519');
    expect(statSync(keyFile()).mode & 0o777).to.equal(0o600);
    // The file holds the private half of the printed public key.
    const written = createPrivateKey(readFileSync(keyFile(), 'utf8'));
    expect(createPublicKey(written).export({ format: 'pem', type: 'spki' }).toString().trim()).to.equal(
      publicKeyPem.trim(),
    );
    const again = context(() => undefined);
    expect(await runCli(['audit', 'auditor-key', '--out', keyFile()], again.ctx)).to.equal(2);
  });

  it('finds the event in the log, sends a signed request bound to it, and prints the clear value', async () => {
    const c = context((req, pem) => {
      const statement = { ...req, auditorId: req.auditor.id };
      if (!verifySignature(createPublicKey(pem), disclosureSigningBytes(statement), req.signature))
        throw new DomainError('unauthenticated', 'accounts.disclosure_unauthenticated');
      return { outcome: 'disclosed', value: decryptField(personKey, req.value, req) };
    }, publicKeyPem);
    expect(await runCli(disclose(), c.ctx)).to.equal(0);
    expect(c.out).to.deep.equal(['Novak']);
    expect(c.requests[0]).to.include({ eventId: env.id, subject, accountId, field: 'family_name' });
    expect(c.err.join('\n')).to.match(/recorded in the audit log/);
  });

  it('exits 3 when the value is erased, 1 when refused, 2 for a field the event does not hold', async () => {
    const erased = context(() => ({ outcome: 'erased', erasedAt: '2026-03-02T10:00:00.000Z' }));
    expect(await runCli(disclose(), erased.ctx)).to.equal(3);
    expect(erased.out).to.deep.equal([]);
    expect(erased.err.join('\n')).to.match(/is erased/);

    const refused = context(() => {
      throw new DomainError('permission_denied', 'accounts.disclosure_not_authorised');
    });
    expect(await runCli(disclose(), refused.ctx)).to.equal(1);
    expect(refused.err.join('\n')).to.match(/may not decrypt/);

    const noField = context(() => ({ outcome: 'disclosed', value: 'x' }));
    expect(await runCli(disclose('given_name'), noField.ctx)).to.equal(2);
    expect(noField.err.join('\n')).to.match(/it has: family_name/);
    expect(noField.requests).to.deep.equal([]);

    const missing = context(() => ({ outcome: 'disclosed', value: 'x' }));
    expect(
      await runCli(disclose('family_name', '019a0000-0000-7000-8000-0000000000ff'), missing.ctx),
    ).to.equal(1);
    expect(missing.err.join('\n')).to.match(/no event/);
  });
});
