import { expect } from 'chai';
import { writeFile } from 'node:fs/promises';
import {
  RaCorrectionApprovedV1,
  RaCorrectionRejectedV1,
  activationRpc,
  correctionRpc,
  type RpcRequest,
} from '@idp/events';
import { waitFor } from '@idp/testing';
import { sweepExpired } from './expiry-sweep.js';
import { createCa, createClientCertificate, createCrl, type TestCa } from './testing/certificates.js';
import {
  startActivation,
  startRaConsumer,
  type ActivationUnderTest,
  type RaConsumer,
} from './testing/harness.js';

const DAY = 86_400_000;
const ACCOUNT = '0b7c1c6e-5d0e-4f4e-9a57-3c1f0c1b2a10';
const OFFICER = '5b1d2c3e-1111-4222-8333-444455556666';
const TAX = '50223054';
const HOME = { street: 'Trubarjeva cesta 1', postalCode: '1000', city: 'Ljubljana', country: 'SI' };
const NEW_HOME = { street: 'Prešernova ulica 2', postalCode: '2000', city: 'Maribor', country: 'SI' };

type Correction = Omit<RpcRequest<typeof correctionRpc.requestCorrection>, 'accountId'>;

describe('activation identity corrections (real NATS + PostgreSQL)', function () {
  this.timeout(60_000);
  let a: ActivationUnderTest;
  let ra: RaConsumer | undefined;

  beforeEach(async () => {
    a = await startActivation();
    a.accounts.set(ACCOUNT, {
      smsPass: 'none',
      attributes: {
        email: 'ana@example.si',
        givenName: 'Ana',
        familyName: 'Novak',
        taxNumber: TAX,
        address: 'Trubarjeva cesta 1, 1000 Ljubljana',
      },
      address: HOME,
    });
  });
  afterEach(async () => {
    await ra?.stop();
    ra = undefined;
    await a.close();
  });

  const submit = (c: Correction) => a.call(correctionRpc.requestCorrection, { accountId: ACCOUNT, ...c });
  const row = (id: string) =>
    a.database.db.selectFrom('corrections').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
  const eventsOf = async (requestId: string) =>
    (await a.outbox()).filter((e) => e.aggregate.id === requestId && e.subject.startsWith('idp.activation.'));
  const subjectsOf = async (requestId: string) =>
    (await eventsOf(requestId)).map((e) => e.subject.split('.')[2]);
  /** No proposed or applied name or address anywhere in this service's outbox. */
  const expectNoPersonalDataInEvents = async () => {
    const text = JSON.stringify(await a.outbox());
    for (const clear of ['Kovač', 'Anja', 'Prešernova', 'Maribor', 'Ana', 'Novak'])
      expect(text, clear).not.to.include(clear);
  };

  it('path ra: submitted with the proposed values, shown to the officer, approved by the officer, applied by accounts', async () => {
    const view = await submit({ path: 'ra', givenName: 'Ana', familyName: 'Kovač', address: NEW_HOME });
    expect(view).to.include({ accountId: ACCOUNT, path: 'ra', state: 'submitted' });
    expect(view.requestNumber).to.match(/^C-[0-9A-HJKMNP-TV-Z]{8}$/);
    // The given name is unchanged: only what differs is a correction.
    expect(view.fields).to.deep.equal(['family_name', 'address']);
    expect(view.proposed).to.deep.equal({ familyName: 'Kovač', address: NEW_HOME });
    expect(new Date(view.expiresAt!).getTime() - a.clock.now().getTime()).to.equal(30 * DAY);
    expect(
      await a.refusal(correctionRpc.requestCorrection, { accountId: ACCOUNT, path: 'ra', givenName: 'Anja' }),
    ).to.include({ kind: 'already_exists', code: 'activation.correction_exists' });

    expect((await a.call(correctionRpc.getCorrection, { accountId: ACCOUNT })).correction).to.deep.equal(
      view,
    );
    const byNumber = await a.call(activationRpc.findForOfficer, { requestNumber: view.requestNumber });
    expect(byNumber).to.deep.equal({ requests: [], corrections: [view] });
    // An smsPASS request of the same citizen shows up beside it.
    const smsPass = await a.call(activationRpc.request, {
      accountId: ACCOUNT,
      path: 'ra',
      personalDataConfirmed: true,
    });
    const byAccount = await a.call(activationRpc.findForOfficer, { accountIds: [ACCOUNT] });
    expect(byAccount.requests.map((r) => r.requestNumber)).to.deep.equal([smsPass.requestNumber]);
    expect(byAccount.corrections.map((c) => c.requestNumber)).to.deep.equal([view.requestNumber]);

    ra = await startRaConsumer(a);
    const approval = await ra.publish(RaCorrectionApprovedV1, {
      officerId: OFFICER,
      requestId: view.requestId,
      accountId: ACCOUNT,
      documentType: 'identity_card',
      documentExpiresOn: '2030-01-01',
    });
    await waitFor('approved', async () => (await row(view.requestId)).state === 'approved');
    expect(a.corrected).to.deep.equal([
      { accountId: ACCOUNT, requestId: view.requestId, familyName: 'Kovač', address: NEW_HOME },
    ]);
    // The proposed values are erased once applied; accounts holds them now.
    expect(await row(view.requestId)).to.include({ proposed: null, expires_at: null });
    const done = (await a.call(correctionRpc.getCorrection, { accountId: ACCOUNT })).correction!;
    expect(done).to.include({ state: 'approved' });
    expect(done).not.to.have.property('proposed');

    const events = await eventsOf(view.requestId);
    expect(events.map((e) => e.subject)).to.deep.equal([
      'idp.activation.correction_submitted.v1',
      'idp.activation.correction_approved.v1',
    ]);
    for (const e of events) expect(e.correlationId, e.subject).to.equal(view.requestId);
    expect(events[1]).to.deep.include({
      causationId: approval.id,
      actor: { kind: 'admin', id: OFFICER },
      aggregate: { type: 'correction_request', id: view.requestId },
    });
    expect(events[1]!.data).to.deep.equal({
      requestId: view.requestId,
      accountId: ACCOUNT,
      fields: ['family_name', 'address'],
      via: 'officer',
      officerId: OFFICER,
    });
    await expectNoPersonalDataInEvents();

    // The same decision again is not applied twice; a new correction may be submitted now.
    await ra.publish(RaCorrectionApprovedV1, approval.data as Record<string, unknown>);
    await waitFor('both recorded', async () => {
      const rows = await a.database.db.selectFrom('processed_messages').selectAll().execute();
      return rows.length === 2;
    });
    expect(a.corrected).to.have.length(1);
    expect((await submit({ path: 'ra', givenName: 'Anja' })).fields).to.deep.equal(['given_name']);
  });

  it('an officer rejection ends the correction with its reason; a late approval is dropped', async () => {
    ra = await startRaConsumer(a);
    const { requestId } = await submit({ path: 'ra', address: NEW_HOME });
    await ra.publish(RaCorrectionRejectedV1, {
      officerId: OFFICER,
      requestId,
      accountId: ACCOUNT,
      reason: 'the document shows another address',
    });
    await waitFor('rejected', async () => (await row(requestId)).state === 'rejected');
    expect((await a.call(correctionRpc.getCorrection, { accountId: ACCOUNT })).correction).to.include({
      state: 'rejected',
      rejectionReason: 'the document shows another address',
    });
    expect((await row(requestId)).proposed).to.equal(null);
    await ra.publish(RaCorrectionApprovedV1, {
      officerId: OFFICER,
      requestId,
      accountId: ACCOUNT,
      documentType: 'passport',
      documentExpiresOn: '2030-01-01',
    });
    await waitFor('both recorded', async () => {
      const rows = await a.database.db.selectFrom('processed_messages').selectAll().execute();
      return rows.length === 2;
    });
    expect(a.corrected).to.deep.equal([]);
    expect(await subjectsOf(requestId)).to.deep.equal(['correction_submitted', 'correction_rejected']);
  });

  it('refuses a correction that changes nothing, and an address by certificate', async () => {
    expect(
      await a.refusal(correctionRpc.requestCorrection, {
        accountId: ACCOUNT,
        path: 'ra',
        givenName: ' Ana ',
        address: { ...HOME, country: 'si' },
      }),
    ).to.include({ kind: 'invalid_argument', code: 'activation.correction_unchanged' });
    expect(
      await a.refusal(correctionRpc.requestCorrection, {
        accountId: ACCOUNT,
        path: 'certificate',
        familyName: 'Kovač',
        address: NEW_HOME,
      }),
    ).to.include({ kind: 'precondition', code: 'activation.correction_needs_officer' });
    expect(await a.outbox()).to.deep.equal([]);
  });

  it('the citizen cancels; the sweep expires a correction nobody decided in 30 days', async () => {
    const first = await submit({ path: 'ra', familyName: 'Kovač' });
    const other = '11111111-2222-4333-8444-555555555555';
    expect(
      await a.refusal(correctionRpc.cancelCorrection, { accountId: other, requestId: first.requestId }),
    ).to.include({ kind: 'not_found', code: 'activation.request_not_found' });
    const cancelled = await a.call(correctionRpc.cancelCorrection, {
      accountId: ACCOUNT,
      requestId: first.requestId,
    });
    expect(cancelled.state).to.equal('cancelled');
    expect(
      await a.refusal(correctionRpc.cancelCorrection, { accountId: ACCOUNT, requestId: first.requestId }),
    ).to.include({ code: 'activation.invalid_transition' });

    const second = await submit({ path: 'certificate', givenName: 'Anja' });
    a.clock.advance(30 * DAY);
    expect(await sweepExpired(a.activation.deps)).to.equal(1);
    expect(await sweepExpired(a.activation.deps)).to.equal(0);
    expect(await row(second.requestId)).to.include({ state: 'expired', proposed: null });
    expect(await subjectsOf(second.requestId)).to.deep.equal(['correction_submitted', 'correction_expired']);
  });

  describe('path certificate', () => {
    let ca: TestCa;
    before(async () => {
      ca = await createCa({ name: 'Test Qualified CA' });
    });
    beforeEach(async () => {
      await writeFile(a.caFile, ca.pem);
      await writeFile(a.crlFile, (await createCrl(ca)).pem);
    });

    const present = (requestId: string, pem: string) =>
      a.call(correctionRpc.presentCorrectionCertificate, {
        accountId: ACCOUNT,
        requestId,
        certificatePem: pem,
      });
    const refusal = (requestId: string, pem: string) =>
      a.refusal(correctionRpc.presentCorrectionCertificate, {
        accountId: ACCOUNT,
        requestId,
        certificatePem: pem,
      });

    it('refuses a certificate whose names differ (or another tax number); the right one approves and accounts applies it', async () => {
      const { requestId, requestNumber } = await submit({ path: 'certificate', familyName: 'Kovač' });
      // The account's own certificate, but with the old surname: it does not prove the new one.
      const old = await createClientCertificate(ca, { taxNumber: TAX, givenName: 'Ana', surname: 'Novak' });
      expect(await refusal(requestId, old.pem)).to.include({
        kind: 'permission_denied',
        code: 'activation.certificate_name_mismatch',
      });
      const unnamed = await createClientCertificate(ca, { taxNumber: TAX });
      expect(await refusal(requestId, unnamed.pem)).to.include({
        code: 'activation.certificate_name_mismatch',
      });
      const stranger = await createClientCertificate(ca, {
        taxNumber: '98511734',
        givenName: 'Ana',
        surname: 'Kovač',
      });
      expect(await refusal(requestId, stranger.pem)).to.include({
        code: 'activation.certificate_subject_mismatch',
      });
      expect((await row(requestId)).state).to.equal('submitted');
      expect(a.corrected).to.deep.equal([]);

      // Accounts down: nothing is decided; presenting again succeeds and applies it once.
      const right = await createClientCertificate(ca, { taxNumber: TAX, givenName: 'ANA', surname: 'KOVAČ' });
      a.failCorrections(1);
      expect(await refusal(requestId, right.pem)).to.include({ kind: 'unavailable' });
      expect((await row(requestId)).state).to.equal('submitted');
      const approved = await present(requestId, right.pem);
      expect(approved).to.include({ state: 'approved', requestNumber });
      // The value applied is the one the citizen typed, not the certificate's capitals.
      expect(a.corrected).to.deep.equal([{ accountId: ACCOUNT, requestId, familyName: 'Kovač' }]);

      const events = await eventsOf(requestId);
      expect(events.map((e) => e.subject.split('.')[2])).to.deep.equal([
        'correction_submitted',
        'correction_certificate_refused',
        'correction_certificate_refused',
        'correction_certificate_refused',
        'correction_approved',
      ]);
      expect(events.slice(1, 4).map((e) => (e.data as { reason: string }).reason)).to.deep.equal([
        'name_mismatch',
        'name_mismatch',
        'subject_mismatch',
      ]);
      expect(events.at(-1)!.data).to.deep.include({ via: 'certificate', fields: ['family_name'] });
      expect((events.at(-1)!.data as { certificate: { issuer: string } }).certificate.issuer).to.contain(
        'Test Qualified CA',
      );
      for (const e of events) expect(e.correlationId).to.equal(requestId);
      await expectNoPersonalDataInEvents();
    });

    it('a certificate cannot decide a correction meant for an officer', async () => {
      const { requestId } = await submit({ path: 'ra', familyName: 'Kovač' });
      const cert = await createClientCertificate(ca, { taxNumber: TAX, givenName: 'Ana', surname: 'Kovač' });
      expect(await refusal(requestId, cert.pem)).to.include({ code: 'activation.invalid_transition' });
      expect(a.corrected).to.deep.equal([]);
    });
  });
});
