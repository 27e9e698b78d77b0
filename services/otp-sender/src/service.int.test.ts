import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import {
  OTP_DESTINATION_PURPOSE,
  connectNats,
  createSealer,
  deriveKey,
  otpRpc,
  sealOtpDestination,
  type RpcDef,
  type RpcRequest,
  type RpcResponse,
} from '@idp/events';
import { waitFor } from '@idp/testing';
import type { SmsTransport } from './ports.js';
import { Harness, TEST_ENV } from './testing/harness.js';

/**
 * otp-sender end to end over its NATS subjects: handlers, Redis, the durable SMS work queue and
 * both transports (the dev sink, and SNS through a local Query-protocol endpoint).
 */
describe('otp-sender over NATS, Redis and the SMS work queue', function () {
  this.timeout(60_000);
  const h = new Harness();
  before(() => h.start());
  after(() => h.stop());

  const call = <C extends RpcDef>(c: C, req: RpcRequest<C>): Promise<RpcResponse<C>> =>
    h.rpc.call(c, req, { correlationId: `it-${randomUUID()}` });
  const failure = async (p: Promise<unknown>) => {
    try {
      await p;
    } catch (err) {
      const e = err as { kind: string; code: string };
      return { kind: e.kind, code: e.code };
    }
    throw new Error('expected the call to fail');
  };
  let n = 0;
  const citizen = (country = '+38641') => {
    const accountId = randomUUID();
    const phone = `${country}${String(100_000 + ++n * 7919).slice(-6)}`;
    h.phones.set(accountId, phone);
    return { accountId, phone };
  };
  const issue = (accountId: string, serviceName = 'eDavki') => call(otpRpc.issue, { accountId, serviceName });
  const other = (code: string) => String((Number(code) + 1) % 1_000_000).padStart(6, '0');

  describe('issue and verify', () => {
    it('issues a code whose SMS lands in the dev sink, naming the e-service and ending with @host #code', async () => {
      const { accountId, phone } = citizen();
      const view = await issue(accountId);
      expect(view).to.include({ delivery: 'sending', resendsLeft: 3, state: 'pending', attemptsLeft: 5 });
      expect(view.destinationHint).to.match(/^\+386 .*\d\d$/);
      const sms = await h.smsTo(phone);
      expect(sms.text).to.contain('eDavki');
      expect(sms.text.split('\n').at(-1)).to.equal(`@login.test.example #${sms.code}`);

      await h.waitEvent(view.challengeId, 'idp.otp.sms_sent.v1');
      expect((await call(otpRpc.status, { challengeId: view.challengeId })).delivery).to.equal('sent');
      const issued = h.events(view.challengeId, 'idp.otp.code_issued.v1');
      expect(issued).to.have.length(1);
      expect(issued[0]!.data).to.deep.include({ accountId, purpose: 'login', resend: false });
      // Neither the code nor the number ever travels in an event.
      const all = JSON.stringify(h.events(view.challengeId));
      expect(all).to.not.contain(sms.code);
      expect(all).to.not.contain(phone.slice(1));
    });

    it('accepts the right code once; a second use is refused with otp.not_pending', async () => {
      const { accountId, phone } = citizen();
      const { challengeId } = await issue(accountId);
      const { code } = await h.smsTo(phone);
      expect(await call(otpRpc.verify, { challengeId, code })).to.deep.equal({ verified: true, accountId });
      expect(await failure(call(otpRpc.verify, { challengeId, code }))).to.deep.equal({
        kind: 'precondition',
        code: 'otp.not_pending',
      });
      expect(h.events(challengeId, 'idp.otp.code_verified.v1')).to.have.length(1);
      await waitFor('already_used event', () =>
        h
          .events(challengeId, 'idp.otp.verification_failed.v1')
          .some((e) => (e.data as { reason: string }).reason === 'already_used'),
      );
    });

    it('locks the challenge after five wrong codes; then even the right code is refused', async () => {
      const { accountId, phone } = citizen();
      const { challengeId } = await issue(accountId);
      const { code } = await h.smsTo(phone);
      for (let i = 0; i < 4; i++) {
        expect(await failure(call(otpRpc.verify, { challengeId, code: other(code) }))).to.deep.equal({
          kind: 'unauthenticated',
          code: 'otp.code_invalid',
        });
      }
      expect((await failure(call(otpRpc.verify, { challengeId, code: other(code) }))).code).to.equal(
        'otp.challenge_locked',
      );
      expect((await failure(call(otpRpc.verify, { challengeId, code }))).code).to.equal(
        'otp.challenge_locked',
      );
      expect(await call(otpRpc.status, { challengeId })).to.include({ state: 'locked', attemptsLeft: 0 });
      expect(h.events(challengeId, 'idp.otp.challenge_locked.v1')).to.have.length(1);
    });

    it('counts ten concurrent wrong guesses as exactly five before the lock', async () => {
      const { accountId, phone } = citizen();
      const { challengeId } = await issue(accountId);
      const { code } = await h.smsTo(phone);
      const results = await Promise.all(
        Array.from({ length: 10 }, () => failure(call(otpRpc.verify, { challengeId, code: other(code) }))),
      );
      expect(results.filter((r) => r.code === 'otp.code_invalid')).to.have.length(4);
      expect(results.filter((r) => r.code === 'otp.challenge_locked')).to.have.length(6);
      const wrong = h
        .events(challengeId, 'idp.otp.verification_failed.v1')
        .filter((e) => (e.data as { reason: string }).reason === 'wrong_code');
      expect(wrong).to.have.length(5);
    });

    it('refuses an expired code with otp.code_expired', async () => {
      const { accountId, phone } = citizen();
      const { challengeId } = await issue(accountId);
      const { code } = await h.smsTo(phone);
      h.clock.advance(301_000);
      try {
        expect((await failure(call(otpRpc.verify, { challengeId, code }))).code).to.equal('otp.code_expired');
        expect((await call(otpRpc.status, { challengeId })).state).to.equal('expired');
      } finally {
        h.clock.advance(-301_000);
      }
    });

    it('answers otp.challenge_not_found for an unknown challenge', async () => {
      expect(await failure(call(otpRpc.verify, { challengeId: randomUUID(), code: '123456' }))).to.deep.equal(
        {
          kind: 'not_found',
          code: 'otp.challenge_not_found',
        },
      );
    });
  });

  describe('resend and SMS-pumping guards', () => {
    it('holds a resend for the 30 s cooldown, then sends a new code that voids the old one; at most 3 resends', async () => {
      const { accountId, phone } = citizen();
      const { challengeId } = await issue(accountId);
      const first = await h.smsTo(phone, 0);
      expect(await failure(call(otpRpc.resend, { challengeId }))).to.deep.equal({
        kind: 'rate_limited',
        code: 'otp.resend_too_soon',
      });
      let last = first;
      for (let i = 1; i <= 3; i++) {
        h.clock.advance(31_000);
        const v = await call(otpRpc.resend, { challengeId });
        expect(v.resendsLeft).to.equal(3 - i);
        last = await h.smsTo(phone, i);
      }
      h.clock.advance(31_000);
      expect((await failure(call(otpRpc.resend, { challengeId }))).code).to.equal('otp.resend_limit');
      expect((await failure(call(otpRpc.verify, { challengeId, code: first.code }))).code).to.equal(
        first.code === last.code ? 'otp.not_pending' : 'otp.code_invalid',
      );
      if (first.code !== last.code) {
        expect(await call(otpRpc.verify, { challengeId, code: last.code })).to.include({ verified: true });
      }
      const issued = h
        .events(challengeId, 'idp.otp.code_issued.v1')
        .map((e) => (e.data as { resend: boolean }).resend);
      expect(issued).to.deep.equal([false, true, true, true]);
    });

    it('caps one phone at 10 SMS an hour: the 11th is refused with otp.phone_rate_limited', async () => {
      const { accountId } = citizen('+38651');
      for (let i = 0; i < 10; i++) await issue(accountId);
      expect(await failure(issue(accountId))).to.deep.equal({
        kind: 'rate_limited',
        code: 'otp.phone_rate_limited',
      });
    });

    it('refuses a destination outside the country allow-list with otp.destination_not_allowed', async () => {
      const { accountId } = citizen('+88216');
      expect(await failure(issue(accountId))).to.deep.equal({
        kind: 'invalid_argument',
        code: 'otp.destination_not_allowed',
      });
      expect(
        (
          await failure(
            call(otpRpc.issue, { accountId, serviceName: 'x', purpose: 'bind_phone', phone: '+15551234567' }),
          )
        ).code,
      ).to.equal('otp.destination_not_allowed');
    });

    it('takes a login phone from the destination accounts sealed, and asks accounts when it does not open', async () => {
      const { accountId, phone: onRecord } = citizen();
      const sealer = createSealer(deriveKey(TEST_ENV.OTP_DESTINATION_KEY, OTP_DESTINATION_PURPOSE));
      const seal = (forAccount: string, phone: string, notAfter: Date) =>
        sealOtpDestination(sealer, { accountId: forAccount, phone, phoneHint: 'sealed hint', notAfter });
      const later = new Date(h.clock.now().getTime() + 60_000);
      const sealedPhone = '+38651222333';
      const opened = await call(otpRpc.issue, {
        accountId,
        serviceName: 'eDavki',
        destination: seal(accountId, sealedPhone, later),
      });
      expect(opened.destinationHint).to.equal('sealed hint');
      expect((await h.smsTo(sealedPhone)).text).to.contain('eDavki');

      // Sealed for another account, stale, altered or under another key: accounts' number is used.
      const otherKey = createSealer(
        deriveKey('another-destination-key-0123456789abcdef', OTP_DESTINATION_PURPOSE),
      );
      const refused = [
        seal(randomUUID(), sealedPhone, later),
        seal(accountId, sealedPhone, new Date(h.clock.now().getTime() - 1)),
        `${seal(accountId, sealedPhone, later).slice(0, -2)}AA`,
        sealOtpDestination(otherKey, { accountId, phone: sealedPhone, phoneHint: 'x', notAfter: later }),
      ];
      for (const [i, destination] of refused.entries()) {
        const view = await call(otpRpc.issue, { accountId, serviceName: 'eDavki', destination });
        expect(view.destinationHint, `case ${i}`).not.to.equal('sealed hint');
        await h.smsTo(onRecord, i);
      }
      expect((await h.devSink.recent(1000, sealedPhone)).length).to.equal(1);
    });

    it('sends a bind_phone code to the number given, not the account phone', async () => {
      const accountId = randomUUID();
      const view = await call(otpRpc.issue, {
        accountId,
        serviceName: 'SI-PASS',
        purpose: 'bind_phone',
        phone: '+38631999888',
      });
      expect(view.destinationHint).to.equal('+386 •• ••• • 88');
      const { code } = await h.smsTo('+38631999888');
      expect(await call(otpRpc.verify, { challengeId: view.challengeId, code })).to.include({ accountId });
    });

    it('tells in status whose and what for a challenge is, and whether it proves a given number', async () => {
      const accountId = randomUUID();
      const { challengeId } = await call(otpRpc.issue, {
        accountId,
        serviceName: 'SI-PASS',
        purpose: 'bind_phone',
        phone: '+38631777666',
      });
      const plain = await call(otpRpc.status, { challengeId });
      expect(plain).to.include({ accountId, purpose: 'bind_phone' });
      expect(plain).to.not.have.property('phoneMatches');
      expect(await call(otpRpc.status, { challengeId, phone: '+38631777666' })).to.include({
        phoneMatches: true,
      });
      expect(await call(otpRpc.status, { challengeId, phone: '+38631777667' })).to.include({
        phoneMatches: false,
      });
      const { code } = await h.smsTo('+38631777666');
      await call(otpRpc.verify, { challengeId, code });
      expect(await call(otpRpc.status, { challengeId, phone: '+38631777666' })).to.include({
        state: 'verified',
        accountId,
        purpose: 'bind_phone',
        phoneMatches: true,
      });
    });

    it('reports purpose login for a login challenge', async () => {
      const { accountId } = citizen();
      const { challengeId } = await issue(accountId);
      expect(await call(otpRpc.status, { challengeId })).to.include({ accountId, purpose: 'login' });
    });

    it('passes on the accounts service error for an unknown account', async () => {
      expect((await failure(issue(randomUUID()))).code).to.equal('accounts.not_found');
    });

    it('lists the dev sink over idp.rpc.otp.dev_messages.v1, newest first', async () => {
      const { accountId, phone } = citizen();
      await issue(accountId, 'Portal A');
      await h.smsTo(phone, 0);
      h.clock.advance(31_000);
      await issue(accountId, 'Portal B');
      await h.smsTo(phone, 1);
      const { messages } = await call(otpRpc.devMessages, { limit: 5, to: phone });
      expect(messages.map((m) => m.text.split(':')[0])).to.deep.equal(['Portal B', 'Portal A']);
    });
  });

  describe('SMS through SNS and the work-queue retry path', () => {
    beforeEach(() => h.useSns());
    afterEach(() => h.useDevSink());

    const requestsTo = (phone: string) => h.sns.requests.filter((r) => r.phoneNumber === phone);

    it('publishes through SNS as a transactional SMS; delivery becomes sent', async () => {
      const { accountId, phone } = citizen();
      const { challengeId } = await issue(accountId);
      const sent = await h.waitEvent(challengeId, 'idp.otp.sms_sent.v1');
      expect(sent.data).to.deep.equal({ challengeId, transport: 'sns', attempts: 1 });
      const [req] = requestsTo(phone);
      expect(req!.attributes).to.include({
        'AWS.SNS.SMS.SMSType': 'Transactional',
        'AWS.SNS.SMS.SenderID': 'SIPASS',
      });
      expect(req!.message).to.match(/\n@login\.test\.example #\d{6}$/);
      expect((await call(otpRpc.status, { challengeId })).delivery).to.equal('sent');
    });

    it('retries a 500 and a Throttling answer with backoff, then sends', async () => {
      const { accountId, phone } = citizen();
      h.sns.plan({ status: 500, code: 'InternalError' }, { status: 400, code: 'Throttling' });
      const { challengeId } = await issue(accountId);
      const sent = await h.waitEvent(challengeId, 'idp.otp.sms_sent.v1');
      expect(sent.data).to.deep.include({ attempts: 3 });
      expect(requestsTo(phone)).to.have.length(3);
      expect(h.events(challengeId, 'idp.otp.sms_failed.v1')).to.have.length(0);
      expect((await call(otpRpc.status, { challengeId })).delivery).to.equal('sent');
    });

    it('fails fast on a permanent 400 InvalidParameter: sms_failed, delivery failed, no retry', async () => {
      const { accountId, phone } = citizen();
      h.sns.plan({ status: 400, code: 'InvalidParameter' });
      const { challengeId } = await issue(accountId);
      const failed = await h.waitEvent(challengeId, 'idp.otp.sms_failed.v1');
      expect(failed.data).to.deep.include({ transport: 'sns', attempts: 1 });
      expect((failed.data as { error: string }).error).to.match(/^InvalidParameter/);
      expect((await call(otpRpc.status, { challengeId })).delivery).to.equal('failed');
      await new Promise((r) => setTimeout(r, 300));
      expect(requestsTo(phone)).to.have.length(1);
      expect(h.dlq.filter((d) => d.headers['idp-correlation-id'] === failed.correlationId)).to.have.length(0);
    });

    it('after the last attempt: sms_failed, delivery failed, and the job is dead-lettered to idp.dlq.sms', async () => {
      const { accountId, phone } = citizen();
      h.sns.plan(...Array.from({ length: 3 }, () => ({ status: 503, code: 'ServiceUnavailable' })));
      const { challengeId } = await issue(accountId);
      const failed = await h.waitEvent(challengeId, 'idp.otp.sms_failed.v1');
      expect(failed.data).to.deep.include({ attempts: 3 });
      expect((await call(otpRpc.status, { challengeId })).delivery).to.equal('failed');
      expect(requestsTo(phone)).to.have.length(3);
      await waitFor('dead letter', () =>
        h.dlq.find(
          (d) => d.subject === 'idp.dlq.sms' && d.headers['idp-correlation-id'] === failed.correlationId,
        ),
      );
      await waitFor('dead-letter event', () =>
        h.seen.find(
          (e) =>
            e.subject === 'idp.messaging.message_dead_lettered.v1' &&
            e.correlationId === failed.correlationId,
        ),
      );
    });
  });

  describe('worker crash', () => {
    it('loses no SMS: a job taken by a worker that dies unacknowledged is delivered again', async () => {
      await h.worker!.stop();
      h.worker = undefined;
      const doomedConn = await connectNats({ url: h.nats.url, name: 'doomed-worker', log: h.log });
      let taken!: () => void;
      const tookJob = new Promise<void>((resolve) => (taken = resolve));
      const hangs: SmsTransport = {
        name: 'dev_sink',
        send: () => {
          taken();
          return new Promise(() => undefined);
        },
      };
      const doomed = await h.build(doomedConn.nc, hangs).startWorker();

      const { accountId, phone } = citizen();
      const { challengeId } = await issue(accountId);
      await tookJob;
      // The process "dies": its connection goes without acknowledging the job in hand.
      await doomedConn.nc.close();
      void doomed.stop().catch(() => undefined);
      expect(await h.devSink.recent(10, phone)).to.have.length(0);

      h.worker = await h.otp.startWorker();
      const { code } = await h.smsTo(phone);
      const sent = await h.waitEvent(challengeId, 'idp.otp.sms_sent.v1');
      expect((sent.data as { attempts: number }).attempts).to.equal(2);
      expect(await call(otpRpc.verify, { challengeId, code })).to.include({ verified: true });
    });
  });
});
