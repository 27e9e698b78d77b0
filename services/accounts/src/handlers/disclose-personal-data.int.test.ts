import { expect } from 'chai';
import { connect } from '@nats-io/transport-node';
import { parseTrust, verifyAuditLog } from '@idp/audit';
import { startOutboxRelay } from '@idp/db';
import {
  SIGNATURE_HEADER,
  accountsRpc,
  catalog,
  createEventSigner,
  createTestSigner,
  disclosureSigningBytes,
  encryptedFields,
  ensureStreams,
  eventStreamSpec,
  generateSigningKeyPair,
  jetstream,
  jetstreamManager,
  sealStreamSpec,
  verifySignature,
  type AuditorEntry,
  type Envelope,
  type EventSigner,
  type JetStreamManager,
  type NatsConnection,
} from '@idp/events';
import { Registry } from '@idp/observability';
import { privateNatsServer, type PrivateServer } from '@idp/testing';
import { createPublicKey } from 'node:crypto';
import {
  TEST_TERMS_VERSION,
  startAccounts,
  testLog,
  type AccountsUnderTest,
} from '../__fixtures__/harness.js';
import { destroyPersonKey } from './person-keys.js';

/** What must appear nowhere in the outbox or the stream: every personal value Ana registers with. */
const CLEAR = ['Novak', '"Ana"', '50223054', '1508985505001', '1985-08-15', 'Slovenska', 'Ljubljana'];

const auditorPair = generateSigningKeyPair();
const readerPair = generateSigningKeyPair();
const AUDITORS: AuditorEntry[] = [
  {
    id: 'ana.revizor@audit.example',
    name: 'Ana Revizor',
    role: 'disclosure',
    publicKey: auditorPair.publicKeyPem,
  },
  {
    id: 'bor.bralec@audit.example',
    name: 'Bor Bralec',
    role: 'read_only',
    publicKey: readerPair.publicKeyPem,
  },
];
const DISCLOSER = { id: AUDITORS[0]!.id, signer: createEventSigner(auditorPair.privateKeyPem) };
const READER = { id: AUDITORS[1]!.id, signer: createEventSigner(readerPair.privateKeyPem) };
const REASON = 'surname correction dispute, case 2026/17';

/** A nats-server of this file's own: the audit stream needs the real catalog subjects, which the shared server's IDP_EVENTS may own. */
async function startServer(): Promise<PrivateServer> {
  for (let attempt = 0; ; attempt++) {
    const server = privateNatsServer(28_000 + Math.floor(Math.random() * 1000));
    try {
      await server.start();
      return server;
    } catch (err) {
      await server.destroy();
      if (attempt >= 4) throw err;
    }
  }
}

describe('accounts personal data in events: encrypted, disclosed to auditors, erased with the key (real NATS + PostgreSQL)', function () {
  this.timeout(60_000);
  let acc: AccountsUnderTest;
  let server: PrivateServer;
  let nc: NatsConnection;
  let jsm: JetStreamManager;
  const producer = createTestSigner();

  before(async () => {
    server = await startServer();
    nc = await connect({ servers: server.url });
    jsm = await jetstreamManager(nc);
    await ensureStreams(jsm, [eventStreamSpec(catalog), sealStreamSpec(catalog)], testLog);
  });
  after(async () => {
    await nc?.drain();
    await server?.destroy();
  });
  beforeEach(async () => {
    acc = await startAccounts({ auditors: AUDITORS });
  });
  afterEach(async () => {
    await acc.close();
  });

  /** Publishes what the outbox holds now, as the service's relay does, signed with the producer key. */
  async function relay(): Promise<void> {
    const r = startOutboxRelay({
      pool: acc.database.pool,
      schema: acc.schema,
      js: jetstream(nc),
      signer: producer,
      log: testLog,
      registry: new Registry(),
      listen: false,
      pollIntervalMs: 60_000,
    });
    try {
      await r.drainOnce();
    } finally {
      await r.stop();
    }
  }

  async function registerAna(): Promise<Envelope> {
    await acc.call(accountsRpc.register, {
      email: 'ana.novak@example.si',
      password: 'vse lepo in prav',
      givenName: 'Ana',
      familyName: 'Novak',
      taxNumber: '50223054',
      emso: '1508985505001',
      birthDate: '1985-08-15',
      address: { street: 'Slovenska cesta 1', postalCode: '1000', city: 'Ljubljana', country: 'SI' },
      termsVersion: TEST_TERMS_VERSION,
    });
    const row = (await acc.outbox()).find((r) => r.subject === 'idp.account.personal_data_changed.v1');
    return row!.envelope;
  }

  function request(
    env: Envelope,
    field: string,
    who: { id: string; signer: EventSigner },
    at = acc.clock.now(),
  ) {
    const value = encryptedFields(env.data).find((f) => f.field === field)!.value;
    const statement = {
      auditorId: who.id,
      eventId: env.id,
      subject: env.subject,
      accountId: env.aggregate.id,
      field,
      value,
      reason: REASON,
      requestedAt: at.toISOString(),
    };
    return {
      eventId: statement.eventId,
      subject: statement.subject,
      accountId: statement.accountId,
      field,
      value,
      reason: REASON,
      auditor: { id: who.id },
      requestedAt: statement.requestedAt,
      signature: who.signer.sign(disclosureSigningBytes(statement)),
    };
  }

  const disclosureEvents = async () =>
    (await acc.outbox())
      .filter((r) => r.subject.startsWith('idp.account.personal_data_disclos'))
      .map((r) => ({ subject: r.subject, actor: r.envelope.actor, data: r.envelope.data }));

  it('keeps every personal value out of the outbox row and the stored JetStream message', async () => {
    const env = await registerAna();
    expect((env.data as { changes: { field: string }[] }).changes.map((c) => c.field)).to.deep.equal([
      'given_name',
      'family_name',
      'birth_date',
      'tax_number',
      'emso',
      'address',
    ]);
    const outboxText = JSON.stringify(await acc.outbox());
    for (const clear of CLEAR) expect(outboxText, clear).not.to.contain(clear);

    await relay();
    const stored = await jsm.streams.getMessage(eventStreamSpec(catalog).name, { last_by_subj: env.subject });
    expect(stored, 'the event reached the stream').to.not.equal(null);
    const bytes = Buffer.from(stored!.data);
    expect(JSON.parse(bytes.toString('utf8'))).to.have.property('id', env.id);
    for (const clear of CLEAR) expect(bytes.includes(Buffer.from(clear)), clear).to.equal(false);
  });

  it('discloses a field to a disclosure auditor and records who asked, which field and why, never the value', async () => {
    const env = await registerAna();
    expect(
      await acc.call(accountsRpc.disclosePersonalData, request(env, 'family_name', DISCLOSER)),
    ).to.deep.equal({
      outcome: 'disclosed',
      value: 'Novak',
    });
    const address = await acc.call(accountsRpc.disclosePersonalData, request(env, 'address', DISCLOSER));
    expect(address.outcome === 'disclosed' && JSON.parse(address.value)).to.deep.equal({
      street: 'Slovenska cesta 1',
      postalCode: '1000',
      city: 'Ljubljana',
      country: 'SI',
    });
    const events = await disclosureEvents();
    expect(events[0]).to.deep.equal({
      subject: 'idp.account.personal_data_disclosed.v1',
      actor: { kind: 'admin', id: DISCLOSER.id },
      data: {
        accountId: env.aggregate.id,
        eventId: env.id,
        field: 'family_name',
        reason: REASON,
        auditorId: DISCLOSER.id,
      },
    });
    expect(events).to.have.length(2);
    expect(JSON.stringify(events)).not.to.contain('Novak').and.not.to.contain('Slovenska');
  });

  it('refuses a read_only auditor, a bad signature, an unknown auditor, a stale request and a value moved to another field, each with an event', async () => {
    const env = await registerAna();
    expect(
      await acc.refusal(accountsRpc.disclosePersonalData, request(env, 'family_name', READER)),
    ).to.include({
      kind: 'permission_denied',
      code: 'accounts.disclosure_not_authorised',
    });
    const forged = { id: DISCLOSER.id, signer: createTestSigner() };
    expect(
      await acc.refusal(accountsRpc.disclosePersonalData, request(env, 'family_name', forged)),
    ).to.include({
      kind: 'unauthenticated',
      code: 'accounts.disclosure_unauthenticated',
    });
    const stranger = { id: 'eve@evil.example', signer: createTestSigner() };
    expect(
      await acc.refusal(accountsRpc.disclosePersonalData, request(env, 'family_name', stranger)),
    ).to.include({
      code: 'accounts.disclosure_unauthenticated',
    });
    const old = new Date(acc.clock.now().getTime() - 6 * 60_000);
    expect(
      await acc.refusal(accountsRpc.disclosePersonalData, request(env, 'family_name', DISCLOSER, old)),
    ).to.include({ kind: 'invalid_argument', code: 'accounts.disclosure_stale' });
    // The given name's ciphertext presented as the family name: the signature is good, the binding is not.
    const moved = request(env, 'given_name', DISCLOSER);
    const swapped = { ...moved, field: 'family_name' };
    const statement = { ...swapped, auditorId: DISCLOSER.id };
    swapped.signature = DISCLOSER.signer.sign(disclosureSigningBytes(statement));
    expect(await acc.refusal(accountsRpc.disclosePersonalData, swapped)).to.include({
      code: 'accounts.disclosure_undecryptable',
    });

    const events = await disclosureEvents();
    expect(
      events.map((e) => [e.subject, (e.data as { refusal?: string }).refusal, e.actor.kind]),
    ).to.deep.equal([
      ['idp.account.personal_data_disclosure_refused.v1', 'not_authorised', 'admin'],
      ['idp.account.personal_data_disclosure_refused.v1', 'unauthenticated', 'anonymous'],
      ['idp.account.personal_data_disclosure_refused.v1', 'unauthenticated', 'anonymous'],
      ['idp.account.personal_data_disclosure_refused.v1', 'stale', 'admin'],
      ['idp.account.personal_data_disclosure_refused.v1', 'undecryptable', 'admin'],
    ]);
    expect(events[0]!.data).to.include({
      eventId: env.id,
      field: 'family_name',
      reason: REASON,
      auditorId: READER.id,
    });
  });

  it('after the key is destroyed reports the field erased, while the stored event and the whole log still verify', async () => {
    const env = await registerAna();
    await relay();
    const stream = eventStreamSpec(catalog).name;
    const before = await jsm.streams.getMessage(stream, { last_by_subj: env.subject });

    const destroyedAt = acc.clock.now();
    expect(await acc.store.transaction((tx) => destroyPersonKey(tx, env.aggregate.id, destroyedAt))).to.equal(
      true,
    );
    const row = await acc.database.db.selectFrom('person_keys').selectAll().executeTakeFirstOrThrow();
    expect(row).to.include({ wrapped_key: null });
    expect(row.destroyed_at).to.deep.equal(destroyedAt);
    expect(await acc.store.transaction((tx) => destroyPersonKey(tx, env.aggregate.id, destroyedAt))).to.equal(
      false,
    );

    expect(
      await acc.call(accountsRpc.disclosePersonalData, request(env, 'family_name', DISCLOSER)),
    ).to.deep.equal({
      outcome: 'erased',
      erasedAt: destroyedAt.toISOString(),
    });
    expect((await disclosureEvents()).map((e) => (e.data as { refusal?: string }).refusal)).to.deep.equal([
      'erased',
    ]);
    // What a replay asks to show the person's fields as [erased]: their key id is reported destroyed.
    const kid = row.key_id;
    expect(
      await acc.call(accountsRpc.personKeyStatus, { keyIds: [kid, '00000000-0000-4000-8000-000000000000'] }),
    ).to.deep.equal({ destroyed: [{ keyId: kid, destroyedAt: destroyedAt.toISOString() }] });
    await relay();

    const after = await jsm.streams.getMessage(stream, { seq: before!.seq });
    expect(Buffer.from(after!.data).equals(Buffer.from(before!.data))).to.equal(true);
    const sig = after!.header.get(SIGNATURE_HEADER.signature);
    expect(verifySignature(createPublicKey(producer.publicKeyPem), after!.data, sig)).to.equal(true);

    const trust = parseTrust(
      JSON.stringify({
        version: 1,
        keys: [
          { keyId: producer.keyId, service: 'accounts', publicKey: producer.publicKeyPem, role: 'producer' },
        ],
      }),
    );
    const report = await verifyAuditLog({
      js: jetstream(nc),
      jsm,
      trust,
      eventsStream: stream,
      sealsStream: sealStreamSpec(catalog).name,
      workers: 0,
    });
    expect(report.findings).to.deep.equal([]);
    expect(report.intact).to.equal(true);
  });
});
