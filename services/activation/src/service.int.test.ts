import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { readFile, stat, writeFile } from 'node:fs/promises';
import {
  RaIdentityConfirmedV1,
  RaRequestRejectedV1,
  activationRpc,
  jetstream,
  type EventDef,
} from '@idp/events';
import { waitFor } from '@idp/testing';
import { sweepExpired } from './expiry-sweep.js';
import { createCa, createClientCertificate, createCrl, type TestCa } from './testing/certificates.js';
import {
  SMS_CODE,
  startActivation,
  startRaConsumer as startOwnRaConsumer,
  type ActivationUnderTest,
  type RaConsumer,
} from './testing/harness.js';

const DAY = 86_400_000;
const ACCOUNT = '0b7c1c6e-5d0e-4f4e-9a57-3c1f0c1b2a10';
const OFFICER = '5b1d2c3e-1111-4222-8333-444455556666';
const PHONE = '+38640123456';
const TAX = '50223054';

describe('activation service (real NATS + PostgreSQL)', function () {
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
        familyName: 'Čučnik',
        taxNumber: TAX,
        address: 'Trubarjeva cesta 1, 1000 Ljubljana',
      },
    });
  });
  afterEach(async () => {
    await ra?.stop();
    ra = undefined;
    await a.close();
  });

  /** Starts the real durable consumer of officer decisions on a stream of this test's own. */
  async function startRaConsumer() {
    ra = await startOwnRaConsumer(a);
  }
  const publishRa = (def: EventDef, data: Record<string, unknown>) => ra!.publish(def, data);

  const request = (path: 'ra' | 'certificate' = 'ra') =>
    a.call(activationRpc.request, { accountId: ACCOUNT, path, personalDataConfirmed: true });
  const state = async (requestId: string) =>
    await a.database.db
      .selectFrom('requests')
      .selectAll()
      .where('id', '=', requestId)
      .executeTakeFirstOrThrow();
  const subjectsOf = async (requestId: string) =>
    (await a.outbox())
      .filter((e) => e.aggregate.id === requestId && e.subject.startsWith('idp.activation.'))
      .map((e) => e.subject.split('.')[2]);

  /** Path ra up to code_sent, through the consumer; returns the request id and the e-mailed code. */
  async function toCodeSent(): Promise<{ requestId: string; code: string }> {
    if (!ra) await startRaConsumer();
    const { requestId } = await request('ra');
    await publishRa(RaIdentityConfirmedV1, {
      officerId: OFFICER,
      requestId,
      accountId: ACCOUNT,
      documentType: 'identity_card',
      documentExpiresOn: '2030-01-01',
    });
    const mail = await waitFor('the activation code mail', async () =>
      (await a.mails()).find((m) => m.requestId === requestId),
    );
    return { requestId, code: mail.params.code! };
  }

  it('path ra: request, officer confirmation, code by e-mail, phone proof, smsPASS active', async () => {
    const view = await request('ra');
    expect(view).to.include({ accountId: ACCOUNT, path: 'ra', state: 'awaiting_officer' });
    expect(view.requestNumber).to.match(/^A-[0-9A-HJKMNP-TV-Z]{8}$/);
    expect(
      await a.refusal(activationRpc.request, { accountId: ACCOUNT, path: 'ra', personalDataConfirmed: true }),
    ).to.include({
      kind: 'already_exists',
      code: 'activation.request_exists',
    });
    expect(
      (await a.call(activationRpc.findForOfficer, { requestNumber: view.requestNumber, limit: 5 })).requests,
    ).to.have.length(1);

    await startRaConsumer();
    const confirmation = await publishRa(RaIdentityConfirmedV1, {
      officerId: OFFICER,
      requestId: view.requestId,
      accountId: ACCOUNT,
      documentType: 'identity_card',
      documentExpiresOn: '2030-01-01',
    });
    const mail = await waitFor('the activation code mail', async () =>
      (await a.mails()).find((m) => m.template === 'activation_code'),
    );
    expect(mail).to.include({ email: 'ana@example.si', requestId: view.requestId });
    expect(mail.params.code).to.match(/^[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$/);
    expect(mail.params.requestNumber).to.equal(view.requestNumber);
    // The code sits in the outbox only sealed: no row (event or job) holds it, or the address, in clear.
    const rows = JSON.stringify(await a.outbox());
    expect(rows).not.to.include(mail.params.code).and.not.to.include(mail.params.code!.replaceAll('-', ''));
    expect(rows).not.to.include('ana@example.si');

    // The same decision delivered again (a new message id, the same envelope): nothing happens twice.
    await jetstream(a.nc).publish(
      confirmation.subject,
      new TextEncoder().encode(JSON.stringify(confirmation)),
      {
        msgID: `${confirmation.id}-again`,
      },
    );
    await new Promise((r) => setTimeout(r, 500));
    expect((await a.mails()).filter((m) => m.template === 'activation_code')).to.have.length(1);

    const sent = (await a.call(activationRpc.get, { accountId: ACCOUNT })).request!;
    expect(sent).to.include({ state: 'code_sent', codeChannel: 'email', codeAttemptsLeft: 5 });
    const row = await state(view.requestId);
    expect(row.code_hash).to.match(/^[0-9a-f]{64}$/);
    expect(row.code_hash).not.to.contain(mail.params.code!.replace(/-/g, ''));

    const wrong = await a.refusal(activationRpc.enterCode, {
      accountId: ACCOUNT,
      requestId: view.requestId,
      code: 'AAAA-AAAA-AAAA',
      phone: PHONE,
    });
    expect(wrong).to.include({ kind: 'unauthenticated', code: 'activation.code_invalid' });
    expect(wrong.message).to.contain('attemptsLeft=4');

    const pending = await a.call(activationRpc.enterCode, {
      accountId: ACCOUNT,
      requestId: view.requestId,
      code: mail.params.code!.toLowerCase().replace(/-/g, ' '),
      phone: PHONE,
    });
    expect(pending).to.include({ state: 'phone_pending', codeAttemptsLeft: 4 });
    expect(a.otpIssued).to.deep.equal([
      { accountId: ACCOUNT, phone: PHONE, challengeId: pending.phoneChallengeId },
    ]);
    expect((await state(view.requestId)).pending_phone).to.equal(PHONE);

    expect(
      await a.refusal(activationRpc.confirmPhone, {
        accountId: ACCOUNT,
        requestId: view.requestId,
        smsCode: '000000',
      }),
    ).to.include({ code: 'otp.code_invalid' });
    const done = await a.call(activationRpc.confirmPhone, {
      accountId: ACCOUNT,
      requestId: view.requestId,
      smsCode: SMS_CODE,
    });
    expect(done.state).to.equal('completed');
    expect(a.activated).to.deep.equal([{ accountId: ACCOUNT, requestId: view.requestId, phone: PHONE }]);
    const finished = await state(view.requestId);
    expect(finished).to.include({
      state: 'completed',
      code_hash: null,
      pending_phone: null,
      phone_challenge_id: null,
    });

    expect(await subjectsOf(view.requestId)).to.deep.equal([
      'requested',
      'code_sent',
      'code_rejected',
      'code_accepted',
      'completed',
    ]);
    const events = (await a.outbox()).filter(
      (e) => e.aggregate.id === view.requestId && e.subject.startsWith('idp.activation.'),
    );
    for (const e of events) expect(e.correlationId, e.subject).to.equal(view.requestId);
    expect(events[1]!.causationId).to.equal(confirmation.id);
    expect(events[1]!.actor).to.deep.equal({ kind: 'admin', id: OFFICER });
    const text = JSON.stringify(await a.outbox());
    for (const secret of [
      mail.params.code!,
      mail.params.code!.replace(/-/g, ''),
      '40123456',
      'ana@example.si',
      TAX,
    ])
      expect(text, secret).not.to.include(secret);
  });

  it('a confirmation whose binding at accounts failed completes on retry without a second SMS check', async () => {
    const { requestId, code } = await toCodeSent();
    await a.call(activationRpc.enterCode, { accountId: ACCOUNT, requestId, code, phone: PHONE });
    a.failActivations(1);
    expect(
      await a.refusal(activationRpc.confirmPhone, { accountId: ACCOUNT, requestId, smsCode: SMS_CODE }),
    ).to.include({
      kind: 'unavailable',
    });
    const between = await state(requestId);
    expect(between.state).to.equal('phone_pending');
    expect(between.phone_verified_at).to.be.instanceOf(Date);
    // Any code now: the phone was proven; only the binding was outstanding.
    const done = await a.call(activationRpc.confirmPhone, {
      accountId: ACCOUNT,
      requestId,
      smsCode: '999999',
    });
    expect(done.state).to.equal('completed');
    expect(a.activated).to.have.length(1);
  });

  it('counts concurrent wrong codes one after the other: five tries, then blocked', async () => {
    const { requestId } = await toCodeSent();
    const answers = await Promise.all(
      Array.from({ length: 8 }, () =>
        a.refusal(activationRpc.enterCode, {
          accountId: ACCOUNT,
          requestId,
          code: 'ZZZZ-ZZZZ-ZZZZ',
          phone: PHONE,
        }),
      ),
    );
    const codes = answers.map((x) => x.code).sort();
    expect(codes.filter((c) => c === 'activation.code_invalid')).to.have.length(4);
    expect(codes.filter((c) => c === 'activation.request_blocked')).to.have.length(4);
    const row = await state(requestId);
    expect(row).to.include({ state: 'blocked', code_attempts: 5, code_hash: null });
    const subjects = await subjectsOf(requestId);
    expect(subjects.filter((s) => s === 'code_rejected')).to.have.length(5);
    expect(subjects.at(-1)).to.equal('blocked');
  });

  it('refuses another account and a finished request', async () => {
    const { requestId } = await request('ra');
    const other = '11111111-2222-4333-8444-555555555555';
    expect(await a.refusal(activationRpc.cancel, { accountId: other, requestId })).to.include({
      code: 'activation.request_not_found',
    });
    expect((await a.call(activationRpc.cancel, { accountId: ACCOUNT, requestId })).state).to.equal(
      'cancelled',
    );
    expect(await a.refusal(activationRpc.cancel, { accountId: ACCOUNT, requestId })).to.include({
      kind: 'precondition',
      code: 'activation.invalid_transition',
    });
    expect(await subjectsOf(requestId)).to.deep.equal(['requested', 'cancelled']);
    // A new request is possible once the old one is closed.
    expect((await request('ra')).state).to.equal('awaiting_officer');
  });

  it('an officer rejection ends the request with its reason, once', async () => {
    await startRaConsumer();
    const { requestId } = await request('ra');
    const data = { officerId: OFFICER, requestId, accountId: ACCOUNT, reason: 'photo does not match' };
    await publishRa(RaRequestRejectedV1, data);
    await waitFor('rejected', async () => (await state(requestId)).state === 'rejected');
    expect((await a.call(activationRpc.get, { accountId: ACCOUNT })).request).to.include({
      state: 'rejected',
      rejectionReason: 'photo does not match',
    });
    // A late confirmation for the rejected request is dropped, not retried.
    await publishRa(RaIdentityConfirmedV1, {
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
    expect(await subjectsOf(requestId)).to.deep.equal(['requested', 'rejected']);
    expect(await a.mails()).to.deep.equal([]);
  });

  it('the sweep expires requests past their deadline and tells the citizen', async () => {
    const { requestId } = await request('ra');
    expect(await sweepExpired(a.activation.deps)).to.equal(0);
    a.clock.advance(30 * DAY);
    expect(await sweepExpired(a.activation.deps)).to.equal(1);
    expect(await sweepExpired(a.activation.deps)).to.equal(0);
    expect((await state(requestId)).state).to.equal('expired');
    const events = (await a.outbox()).filter(
      (e) => e.aggregate.id === requestId && e.subject.startsWith('idp.activation.'),
    );
    expect(events.at(-1)).to.deep.include({ subject: 'idp.activation.expired.v1', correlationId: requestId });
    expect(events.at(-1)!.data).to.deep.include({ from: 'awaiting_officer' });
    const { requestNumber } = (await a.call(activationRpc.get, { accountId: ACCOUNT })).request!;
    expect(await a.mails()).to.deep.equal([
      { template: 'activation_expired', requestId, email: 'ana@example.si', params: { requestNumber } },
    ]);
  });

  it('an e-mailed code entered after 15 days is expired', async () => {
    const { requestId, code } = await toCodeSent();
    a.clock.advance(15 * DAY);
    expect(
      await a.refusal(activationRpc.enterCode, { accountId: ACCOUNT, requestId, code, phone: PHONE }),
    ).to.include({
      code: 'activation.code_expired',
    });
    expect((await state(requestId)).state).to.equal('expired');
    expect((await subjectsOf(requestId)).slice(-2)).to.deep.equal(['code_rejected', 'expired']);
  });

  describe('path certificate', () => {
    let ca: TestCa;
    before(async () => {
      ca = await createCa({ name: 'Test Qualified CA' });
    });

    const present = (requestId: string, pem: string) =>
      a.call(activationRpc.presentCertificate, {
        accountId: ACCOUNT,
        requestId,
        certificatePem: pem,
        chainPem: [],
      });

    it('answers certificate_untrusted when no CA is configured', async () => {
      const { requestId } = await request('certificate');
      const cert = await createClientCertificate(ca, { taxNumber: TAX });
      expect(
        await a.refusal(activationRpc.presentCertificate, {
          accountId: ACCOUNT,
          requestId,
          certificatePem: cert.pem,
        }),
      ).to.include({ kind: 'permission_denied', code: 'activation.certificate_untrusted' });
    });

    it('refuses wrong and revoked certificates, accepts the right one and queues a letter', async () => {
      const revoked = await createClientCertificate(ca, { taxNumber: TAX });
      await writeFile(a.caFile, ca.pem);
      await writeFile(a.crlFile, (await createCrl(ca, { revoked: [revoked.serialNumber] })).pem);
      const { requestId } = await request('certificate');
      const refusal = (pem: string) =>
        a.refusal(activationRpc.presentCertificate, { accountId: ACCOUNT, requestId, certificatePem: pem });

      expect(await refusal((await createClientCertificate(ca, { taxNumber: '98511734' })).pem)).to.include({
        code: 'activation.certificate_subject_mismatch',
      });
      expect(await refusal(revoked.pem)).to.include({ code: 'activation.certificate_revoked' });
      const stranger = await createCa({ name: 'Stranger CA' });
      expect(await refusal((await createClientCertificate(stranger, { taxNumber: TAX })).pem)).to.include({
        code: 'activation.certificate_untrusted',
      });

      const accepted = await present(requestId, (await createClientCertificate(ca, { taxNumber: TAX })).pem);
      expect(accepted).to.include({ state: 'code_sent', codeChannel: 'post' });
      expect(new Date(accepted.expiresAt!).getTime() - a.clock.now().getTime()).to.equal(30 * DAY);
      const refused = (await a.outbox()).filter((e) => e.subject === 'idp.activation.certificate_refused.v1');
      expect(refused.map((e) => (e.data as { reason: string }).reason)).to.deep.equal([
        'subject_mismatch',
        'revoked',
        'untrusted',
      ]);
      expect((await subjectsOf(requestId)).slice(-2)).to.deep.equal(['certificate_accepted', 'code_sent']);

      const { letters } = await a.call(activationRpc.listLetters, { state: 'queued' });
      expect(letters).to.have.length(1);
      expect(letters[0]).to.include({ requestNumber: accepted.requestNumber, state: 'queued' });
      const pdf = await readFile(letters[0]!.pdfPath);
      expect(pdf.subarray(0, 5).toString()).to.equal('%PDF-');
      expect((await stat(letters[0]!.pdfPath)).mode & 0o777).to.equal(0o600);

      const letterId = letters[0]!.letterId;
      expect(
        await a.call(activationRpc.markLetter, { letterId, state: 'printed', by: 'operator-1' }),
      ).to.include({
        state: 'printed',
      });
      expect(
        await a.refusal(activationRpc.markLetter, { letterId, state: 'printed', by: 'operator-1' }),
      ).to.include({
        code: 'activation.invalid_transition',
      });
      const posted = await a.call(activationRpc.markLetter, { letterId, state: 'posted', by: 'operator-2' });
      expect(posted.postedAt).to.be.a('string');
      expect((await a.call(activationRpc.listLetters, { state: 'queued' })).letters).to.deep.equal([]);
      expect(
        await a.refusal(activationRpc.markLetter, { letterId: randomUUID(), state: 'posted', by: 'x' }),
      ).to.include({ code: 'activation.letter_not_found' });
      const marked = (await a.outbox()).filter((e) => e.subject === 'idp.activation.letter_marked.v1');
      expect(marked.map((e) => e.correlationId)).to.deep.equal([requestId, requestId]);
    });

    it('refuses path certificate for an account without an address', async () => {
      a.accounts.get(ACCOUNT)!.attributes.address = undefined;
      expect(
        await a.refusal(activationRpc.request, {
          accountId: ACCOUNT,
          path: 'certificate',
          personalDataConfirmed: true,
        }),
      ).to.include({ code: 'activation.personal_data_incomplete' });
    });
  });
});
