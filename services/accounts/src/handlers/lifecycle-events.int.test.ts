import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { connect } from '@nats-io/transport-node';
import {
  ActivationBlockedV1,
  ActivationCancelledV1,
  ActivationExpiredV1,
  ActivationRejectedV1,
  ActivationRequestedV1,
  Catalog,
  MessagingMessageDeadLetteredV1,
  RaSmsPassReinstatedV1,
  RaSmsPassSuspendedV1,
  accountsRpc,
  buildEnvelope,
  catalog as fullCatalog,
  consume,
  createPublisher,
  createTestSigner,
  jetstream,
  jetstreamManager,
  publishEnvelope,
  type EventDef,
  type JetStreamManager,
  type MessageHandler,
  type NatsConnection,
  type RunningConsumer,
} from '@idp/events';
import { Registry } from '@idp/observability';
import { findInfrastructure, uniqueName, waitFor } from '@idp/testing';
import { startAccounts, testLog, type AccountsUnderTest } from '../__fixtures__/harness.js';
import { eventFactory } from './events.js';
import { activationHandlers, raHandlers } from './lifecycle-events.js';

const signer = createTestSigner();
const OFFICER = '5b1d2c3e-1111-4222-8333-444455556666';

describe('accounts lifecycle consumers of activation and RA events (real NATS + PostgreSQL)', function () {
  this.timeout(60_000);
  let acc: AccountsUnderTest;
  let nc: NatsConnection;
  let jsm: JetStreamManager;
  let stream: string;
  let domain: string;
  let catalog: Catalog;
  const consumers: RunningConsumer[] = [];
  /** The real definitions under subjects of this run's own (the machine's IDP_EVENTS holds the real ones). */
  const local = new Map<string, EventDef>();

  beforeEach(async () => {
    acc = await startAccounts();
    nc = await connect({ servers: (await findInfrastructure()).natsUrl });
    jsm = await jetstreamManager(nc);
    domain = uniqueName('tacc');
    stream = uniqueName('T_ACC_').toUpperCase();
    local.clear();
    for (const def of [
      ActivationRequestedV1,
      ActivationCancelledV1,
      ActivationExpiredV1,
      ActivationRejectedV1,
      ActivationBlockedV1,
      RaSmsPassSuspendedV1,
      RaSmsPassReinstatedV1,
    ] as EventDef[]) {
      local.set(def.subject, { ...def, subject: def.subject.replace(/^idp\.[a-z]+\./, `idp.${domain}.`) });
    }
    catalog = new Catalog([MessagingMessageDeadLetteredV1, ...local.values()]);
    await jsm.streams.add({ name: stream, subjects: [`idp.${domain}.>`], duplicate_window: 60_000_000_000 });
    const js = jetstream(nc);
    const deps = {
      store: acc.store,
      clock: acc.clock,
      event: eventFactory({ producer: 'accounts@test', catalog: fullCatalog, clock: acc.clock }),
    };
    const relabel = (hs: MessageHandler[]) => hs.map((h) => ({ ...h, def: local.get(h.def.subject)! }));
    // Both handler sets on one consumer here: the run's stream carries both kinds under one prefix.
    consumers.push(
      await consume(js, jsm, {
        stream,
        durable: 'accounts-lifecycle',
        filterSubject: `idp.${domain}.>`,
        handlers: [...relabel(activationHandlers(deps)), ...relabel(raHandlers(deps))],
        catalog,
        publisher: createPublisher(js, { producer: 'test', catalog, signer }),
        log: testLog,
        registry: new Registry(),
        backoffMs: [100],
      }),
    );
  });
  afterEach(async () => {
    for (const c of consumers.splice(0)) await c.stop();
    await jsm.streams.delete(stream).catch(() => undefined);
    await nc.drain();
    await acc.close();
  });

  async function publish(def: EventDef, data: Record<string, unknown>, id?: string) {
    const env = buildEnvelope(
      local.get(def.subject)!,
      { aggregate: { type: 'activation_request', id: randomUUID() }, data, ...(id ? { id } : {}) },
      { correlationId: randomUUID() },
      { producer: 'activation@test', catalog },
    );
    await publishEnvelope(jetstream(nc), env, signer);
    return env;
  }
  const stateOf = async (accountId: string) =>
    await acc.database.db
      .selectFrom('accounts')
      .select(['state', 'sms_pass', 'suspended_from'])
      .where('id', '=', accountId)
      .executeTakeFirstOrThrow();
  const processed = async () =>
    (await acc.database.db.selectFrom('processed_messages').selectAll().execute()).length;
  const lifecycleEvents = async (accountId: string) =>
    (await acc.outbox())
      .filter((r) => r.envelope.aggregate.id === accountId && r.subject.startsWith('idp.account.'))
      .map((r) => r.subject.split('.')[2]);

  const newAccount = async () =>
    (
      await acc.call(accountsRpc.createAccount, {
        email: `${randomUUID()}@example.si`,
        password: 'correct horse battery',
      })
    ).accountId;

  it('requested → smspass_pending, once; then cancelled → email_confirmed', async () => {
    const accountId = await newAccount();
    const requestId = randomUUID();
    const requested = await publish(ActivationRequestedV1, { requestId, accountId, path: 'ra' });
    await waitFor('pending', async () => (await stateOf(accountId)).state === 'smspass_pending');
    expect(await stateOf(accountId)).to.include({ sms_pass: 'pending' });
    // The same envelope again under another message id: processed once.
    await jetstream(nc).publish(
      local.get(ActivationRequestedV1.subject)!.subject,
      new TextEncoder().encode(JSON.stringify(requested)),
      { msgID: `${requested.id}-again` },
    );
    await publish(ActivationCancelledV1, { requestId, accountId });
    await waitFor(
      'back to email_confirmed',
      async () => (await stateOf(accountId)).state === 'email_confirmed',
    );
    expect(await lifecycleEvents(accountId)).to.deep.equal([
      'created',
      'smspass_requested',
      'smspass_cancelled',
    ]);
    const cancelled = (await acc.outbox()).find((r) => r.subject === 'idp.account.smspass_cancelled.v1')!;
    expect(cancelled.envelope.data).to.deep.equal({ accountId, from: 'smspass_pending', by: 'self' });
    expect(cancelled.envelope.causationId).to.be.a('string');
  });

  it('expired, rejected and blocked end a pending activation; a stale one leaves an active smsPASS alone', async () => {
    for (const [def, by] of [
      [ActivationExpiredV1, 'expiry'],
      [ActivationRejectedV1, 'officer'],
      [ActivationBlockedV1, 'expiry'],
    ] as const) {
      const accountId = await newAccount();
      const requestId = randomUUID();
      await publish(ActivationRequestedV1, { requestId, accountId, path: 'ra' });
      await waitFor('pending', async () => (await stateOf(accountId)).state === 'smspass_pending');
      const extra =
        def === ActivationExpiredV1
          ? { from: 'code_sent' }
          : def === ActivationRejectedV1
            ? { officerId: OFFICER }
            : {};
      await publish(def, { requestId, accountId, ...extra });
      await waitFor(def.subject, async () => (await stateOf(accountId)).state === 'email_confirmed');
      const last = (await acc.outbox()).filter((r) => r.envelope.aggregate.id === accountId).at(-1)!;
      expect(last.envelope.data, def.subject).to.deep.include({ by });
    }

    const active = (
      await acc.call(accountsRpc.createAccount, {
        email: 'active@example.si',
        password: 'correct horse battery',
        phone: '+38640123456',
        smsPass: 'active',
      })
    ).accountId;
    const before = await processed();
    await publish(ActivationExpiredV1, {
      requestId: randomUUID(),
      accountId: active,
      from: 'awaiting_officer',
    });
    await waitFor('recorded', async () => (await processed()) === before + 1);
    expect(await stateOf(active)).to.include({ state: 'smspass_active' });
  });

  it('an officer suspends and reinstates to the state the account had', async () => {
    const accountId = (
      await acc.call(accountsRpc.createAccount, {
        email: 'bor@example.si',
        password: 'correct horse battery',
        phone: '+38640123456',
        smsPass: 'active',
      })
    ).accountId;
    await publish(RaSmsPassSuspendedV1, { officerId: OFFICER, accountId, reason: 'abuse reported' });
    await waitFor('suspended', async () => (await stateOf(accountId)).state === 'suspended');
    expect(await stateOf(accountId)).to.deep.equal({
      state: 'suspended',
      sms_pass: 'suspended',
      suspended_from: 'smspass_active',
    });
    await publish(RaSmsPassReinstatedV1, { officerId: OFFICER, accountId, reason: 'cleared' });
    await waitFor('reinstated', async () => (await stateOf(accountId)).state === 'smspass_active');
    const events = (await acc.outbox()).filter((r) => r.envelope.aggregate.id === accountId);
    expect(events.map((r) => r.subject).slice(-2)).to.deep.equal([
      'idp.account.suspended.v1',
      'idp.account.reinstated.v1',
    ]);
    expect(events.at(-1)!.envelope.actor).to.deep.equal({ kind: 'admin', id: OFFICER });
    // The officer's free-text reason stays with the RA: no account event carries it.
    expect(JSON.stringify(events)).not.to.include('abuse reported');
  });
});
