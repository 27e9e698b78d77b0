import { expect } from 'chai';
import { DomainError } from '@idp/events';
import {
  DEFAULT_POLICY,
  OPEN_STATES,
  acceptCertificate,
  cancelRequest,
  complete,
  confirmIdentity,
  enterCode,
  expireIfDue,
  openRequest,
  phoneVerified,
  refuseCertificate,
  rejectRequest,
  type ActivationRequest,
  type ActivationState,
  type Decision,
} from './request.js';

const T0 = new Date('2026-03-01T10:00:00Z');
const DAY = 86_400_000;
const at = (days: number) => new Date(T0.getTime() + days * DAY);
const REQUEST_ID = '0190d6c2-0000-7000-8000-000000000001';
const ACCOUNT_ID = '0b7c1c6e-5d0e-4f4e-9a57-3c1f0c1b2a10';
const OFFICER_ID = '5b1d2c3e-1111-4222-8333-444455556666';
const CHALLENGE_ID = '7d8e9f00-aaaa-4bbb-8ccc-dddddddddddd';
const HASH = 'ab'.repeat(32);

const ALL_STATES: ActivationState[] = [
  'awaiting_officer',
  'awaiting_certificate',
  'code_sent',
  'phone_pending',
  'completed',
  'rejected',
  'expired',
  'cancelled',
  'blocked',
];

/** A request as it would be stored in `state`, its deadline 10 days after T0 where it has one. */
function given(state: ActivationState, o: Partial<ActivationRequest> = {}): ActivationRequest {
  const path = state === 'awaiting_certificate' ? 'certificate' : 'ra';
  const base = openRequest({ id: REQUEST_ID, number: 'A-7KQ2M9XD', accountId: ACCOUNT_ID, path }, T0).request;
  const open = OPEN_STATES.includes(state as never);
  const withCode = state === 'code_sent' || state === 'phone_pending';
  return {
    ...base,
    state,
    expiresAt: open ? at(10) : null,
    codeChannel: withCode ? 'email' : null,
    codeHash: withCode ? HASH : null,
    pendingPhone: state === 'phone_pending' ? '+38640123456' : null,
    phoneChallengeId: state === 'phone_pending' ? CHALLENGE_ID : null,
    ...o,
  };
}

const subjects = (d: Decision) => d.events.map((e) => e.def.subject.replace(/^idp\.activation\.|\.v1$/g, ''));

function refusedWith(fn: () => unknown, code: string): void {
  expect(fn).to.throw(DomainError).with.property('code', code);
}

/** Every command, run against a request; what the tables below expect of each state. */
const COMMANDS: Record<string, (r: ActivationRequest, now: Date) => Decision> = {
  confirmIdentity: (r, now) => confirmIdentity(r, HASH, now),
  reject: (r, now) => rejectRequest(r, { officerId: OFFICER_ID, reason: 'photo does not match' }, now),
  acceptCertificate: (r, now) => acceptCertificate(r, { issuer: 'CN=CA', serialNumber: '01' }, HASH, now),
  refuseCertificate: (r, now) => refuseCertificate(r, 'revoked', now),
  wrongCode: (r, now) => enterCode(r, { matches: false }, now),
  rightCode: (r, now) =>
    enterCode(r, { matches: true, phone: '+38641000000', challengeId: CHALLENGE_ID }, now),
  phoneVerified: (r, now) => phoneVerified(r, now),
  cancel: (r, now) => cancelRequest(r, now),
};

/** The states each command is allowed in; every other state refuses it. */
const ALLOWED: Record<keyof typeof COMMANDS, ActivationState[]> = {
  confirmIdentity: ['awaiting_officer'],
  reject: ['awaiting_officer'],
  acceptCertificate: ['awaiting_certificate'],
  refuseCertificate: ['awaiting_certificate'],
  wrongCode: ['code_sent', 'phone_pending'],
  rightCode: ['code_sent', 'phone_pending'],
  phoneVerified: ['phone_pending'],
  cancel: [...OPEN_STATES],
};

describe('activation domain/request', () => {
  describe('openRequest()', () => {
    it('path ra waits 30 days for an officer', () => {
      const d = openRequest({ id: REQUEST_ID, number: 'A-7KQ2M9XD', accountId: ACCOUNT_ID, path: 'ra' }, T0);
      expect(d.request).to.include({ state: 'awaiting_officer', codeAttempts: 0, codeHash: null });
      expect(d.request.expiresAt).to.deep.equal(at(30));
      expect(subjects(d)).to.deep.equal(['requested']);
      expect(d.events[0]!.data).to.deep.equal({ requestId: REQUEST_ID, accountId: ACCOUNT_ID, path: 'ra' });
    });

    it('path certificate waits 30 days for the certificate', () => {
      const d = openRequest(
        { id: REQUEST_ID, number: 'A-7KQ2M9XD', accountId: ACCOUNT_ID, path: 'certificate' },
        T0,
      );
      expect(d.request.state).to.equal('awaiting_certificate');
      expect(d.request.expiresAt).to.deep.equal(at(30));
    });
  });

  describe('every command in every state', () => {
    for (const [name, run] of Object.entries(COMMANDS)) {
      for (const state of ALL_STATES) {
        const allowed = ALLOWED[name]!.includes(state);
        it(`${name} is ${allowed ? 'allowed' : 'refused'} in ${state}`, () => {
          if (allowed) {
            const d = run(given(state), T0);
            expect(d.refusal?.code ?? 'none').to.not.be.oneOf([
              'activation.invalid_transition',
              'activation.request_expired',
              'activation.code_expired',
            ]);
          } else {
            const expected =
              state === 'blocked' && name.endsWith('Code')
                ? 'activation.request_blocked'
                : 'activation.invalid_transition';
            refusedWith(() => run(given(state), T0), expected);
          }
        });
      }
    }

    for (const state of OPEN_STATES) {
      it(`an allowed command on ${state} past its deadline only expires the request`, () => {
        for (const [name, run] of Object.entries(COMMANDS)) {
          if (!ALLOWED[name]!.includes(state)) continue;
          const d = run(given(state), at(10));
          expect(d.request.state, name).to.equal('expired');
          expect(subjects(d).at(-1), name).to.equal('expired');
          expect(d.refusal?.code, name).to.equal(
            state === 'code_sent' || state === 'phone_pending'
              ? 'activation.code_expired'
              : 'activation.request_expired',
          );
          expect(d.request.codeHash, name).to.equal(null);
          expect(d.request.pendingPhone, name).to.equal(null);
        }
      });
    }
  });

  describe('path ra', () => {
    it('an officer confirmation sends a code by e-mail valid 15 days', () => {
      const d = confirmIdentity(given('awaiting_officer'), HASH, at(2));
      expect(d.request).to.include({
        state: 'code_sent',
        codeChannel: 'email',
        codeHash: HASH,
        codeAttempts: 0,
      });
      expect(d.request.expiresAt).to.deep.equal(at(17));
      expect(subjects(d)).to.deep.equal(['code_sent']);
      expect(d.events[0]!.data).to.deep.include({ channel: 'email', expiresAt: at(17).toISOString() });
    });

    it('an officer rejection keeps the reason and names the officer in the event', () => {
      const d = rejectRequest(
        given('awaiting_officer'),
        { officerId: OFFICER_ID, reason: 'expired ID card' },
        T0,
      );
      expect(d.request).to.include({
        state: 'rejected',
        rejectionReason: 'expired ID card',
        expiresAt: null,
      });
      expect(d.events[0]!.data).to.deep.equal({
        requestId: REQUEST_ID,
        accountId: ACCOUNT_ID,
        officerId: OFFICER_ID,
      });
    });
  });

  describe('path certificate', () => {
    it('an accepted certificate sends a code by post valid 30 days', () => {
      const d = acceptCertificate(
        given('awaiting_certificate'),
        { issuer: 'CN=CA', serialNumber: '0A' },
        HASH,
        T0,
      );
      expect(d.request).to.include({ state: 'code_sent', codeChannel: 'post' });
      expect(d.request.expiresAt).to.deep.equal(at(30));
      expect(subjects(d)).to.deep.equal(['certificate_accepted', 'code_sent']);
    });

    it('a refused certificate leaves the request waiting and maps the reason to an error code', () => {
      const cases = [
        ['untrusted', 'activation.certificate_untrusted'],
        ['expired', 'activation.certificate_untrusted'],
        ['not_yet_valid', 'activation.certificate_untrusted'],
        ['malformed', 'activation.certificate_untrusted'],
        ['revoked', 'activation.certificate_revoked'],
        ['subject_mismatch', 'activation.certificate_subject_mismatch'],
      ] as const;
      for (const [reason, code] of cases) {
        const d = refuseCertificate(given('awaiting_certificate'), reason, T0);
        expect(d.request.state).to.equal('awaiting_certificate');
        expect(d.refusal).to.include({ kind: 'permission_denied', code });
        expect(d.events[0]!.data).to.deep.include({ reason });
      }
    });
  });

  describe('activation code', () => {
    it('counts wrong codes and blocks the request on the fifth', () => {
      let r = given('code_sent');
      for (let i = 1; i <= 4; i++) {
        const d = enterCode(r, { matches: false }, T0);
        expect(d.refusal).to.include({ kind: 'unauthenticated', code: 'activation.code_invalid' });
        expect(d.refusal?.message).to.contain(`attemptsLeft=${5 - i}`);
        expect(d.events[0]!.data).to.deep.include({ attempt: i, reason: 'wrong_code' });
        r = d.request;
      }
      const last = enterCode(r, { matches: false }, T0);
      expect(last.request).to.include({ state: 'blocked', codeAttempts: 5, codeHash: null, expiresAt: null });
      expect(subjects(last)).to.deep.equal(['code_rejected', 'blocked']);
      expect(last.refusal?.code).to.equal('activation.request_blocked');
      refusedWith(
        () =>
          enterCode(last.request, { matches: true, phone: '+38641000000', challengeId: CHALLENGE_ID }, T0),
        'activation.request_blocked',
      );
    });

    it('honours a smaller policy limit', () => {
      const d = enterCode(given('code_sent'), { matches: false }, T0, {
        ...DEFAULT_POLICY,
        maxCodeAttempts: 1,
      });
      expect(d.request.state).to.equal('blocked');
    });

    it('a right code keeps the phone and challenge until the phone is proven', () => {
      const d = COMMANDS.rightCode!(given('code_sent', { codeAttempts: 3 }), T0);
      expect(d.request).to.include({
        state: 'phone_pending',
        pendingPhone: '+38641000000',
        phoneChallengeId: CHALLENGE_ID,
        codeHash: HASH,
        codeAttempts: 3,
      });
      expect(d.request.expiresAt).to.deep.equal(at(10));
      expect(d.events[0]!.data).to.deep.include({ phoneChallengeId: CHALLENGE_ID });
    });

    it('a right code entered again in phone_pending restarts the phone proof and forgets a verification', () => {
      const other = '9d8e9f00-aaaa-4bbb-8ccc-dddddddddddd';
      const d = enterCode(
        given('phone_pending', { phoneVerifiedAt: T0 }),
        { matches: true, phone: '+38651999999', challengeId: other },
        T0,
      );
      expect(d.request).to.include({
        state: 'phone_pending',
        pendingPhone: '+38651999999',
        phoneChallengeId: other,
        phoneVerifiedAt: null,
      });
    });

    it('a code entered after its deadline is recorded as expired and ends the request', () => {
      const d = enterCode(
        given('code_sent', { codeAttempts: 2 }),
        { matches: true, phone: '+38641000000', challengeId: CHALLENGE_ID },
        at(10),
      );
      expect(subjects(d)).to.deep.equal(['code_rejected', 'expired']);
      expect(d.events[0]!.data).to.deep.include({ attempt: 3, reason: 'expired' });
      expect(d.events[1]!.data).to.deep.include({ from: 'code_sent' });
      expect(d.request.state).to.equal('expired');
    });
  });

  describe('phone and completion', () => {
    it('completes once the phone is proven, erasing the code, the phone and the challenge', () => {
      const proven = phoneVerified(given('phone_pending'), at(1));
      expect(proven.events).to.deep.equal([]);
      expect(proven.request.phoneVerifiedAt).to.deep.equal(at(1));
      const d = complete(proven.request, at(1));
      expect(d.request).to.include({
        state: 'completed',
        codeHash: null,
        pendingPhone: null,
        phoneChallengeId: null,
        expiresAt: null,
      });
      expect(subjects(d)).to.deep.equal(['completed']);
      expect(d.events[0]!.data).to.deep.equal({ requestId: REQUEST_ID, accountId: ACCOUNT_ID, path: 'ra' });
    });

    it('refuses to complete before the phone is proven, or outside phone_pending', () => {
      refusedWith(() => complete(given('phone_pending'), T0), 'activation.invalid_transition');
      for (const state of ALL_STATES.filter((s) => s !== 'phone_pending'))
        refusedWith(
          () => complete(given(state, { phoneVerifiedAt: T0 }), T0),
          'activation.invalid_transition',
        );
    });

    it('a proven phone still completes after the deadline (only the binding was outstanding)', () => {
      const r = given('phone_pending', { phoneVerifiedAt: at(9) });
      expect(phoneVerified(r, at(11)).request.state).to.equal('phone_pending');
      expect(complete(r, at(11)).request.state).to.equal('completed');
    });
  });

  describe('cancel and expiry', () => {
    it('cancels any open request and erases its code and phone', () => {
      for (const state of OPEN_STATES) {
        const d = cancelRequest(given(state), T0);
        expect(d.request).to.include({ state: 'cancelled', codeHash: null, pendingPhone: null });
        expect(subjects(d)).to.deep.equal(['cancelled']);
      }
    });

    it('expires an open request exactly at its deadline, naming the state it left', () => {
      for (const state of OPEN_STATES) {
        expect(expireIfDue(given(state), new Date(at(10).getTime() - 1)), state).to.equal(undefined);
        const d = expireIfDue(given(state), at(10))!;
        expect(d.request.state).to.equal('expired');
        expect(d.events[0]!.data).to.deep.equal({
          requestId: REQUEST_ID,
          accountId: ACCOUNT_ID,
          from: state,
        });
      }
    });

    it('never expires a finished request', () => {
      for (const state of ALL_STATES.filter((s) => !OPEN_STATES.includes(s as never)))
        expect(expireIfDue(given(state, { expiresAt: T0 }), at(100)), state).to.equal(undefined);
    });
  });
});
