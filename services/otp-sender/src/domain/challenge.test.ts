import { expect } from 'chai';
import { DomainError } from '@idp/events';
import {
  apply,
  issue,
  reportDelivery,
  resend,
  stateAt,
  verificationError,
  verify,
  type Challenge,
  type ChallengePolicy,
  type OtpEvent,
} from './challenge.js';

const T0 = new Date('2026-11-02T10:00:00.000Z');
const at = (seconds: number) => new Date(T0.getTime() + seconds * 1000);
const POLICY: ChallengePolicy = {
  ttlMs: 300_000,
  maxAttempts: 5,
  resendCooldownMs: 30_000,
  maxResends: 3,
  retainMs: 600_000,
};

const issued = (policy: Partial<ChallengePolicy> = {}): OtpEvent[] =>
  issue(
    {
      id: '0190f0c4-0000-7000-8000-000000000001',
      accountId: '0190f0c4-0000-7000-8000-0000000000aa',
      purpose: 'login',
      serviceName: 'eDavki',
      destinationHint: '+386 •• ••• •• 56',
      destinationSealed: 'sealed',
      codeHmac: 'hmac-0',
    },
    { ...POLICY, ...policy },
    T0,
  );
const given = (...history: OtpEvent[][]): Challenge => apply(undefined, history.flat())!;
const wrong = () => false;
const right = () => true;
/** Past events of one wrong guess, decided against the challenge as it then was. */
const failedAttempts = (ch: Challenge, n: number): Challenge => {
  for (let i = 0; i < n; i++) ch = apply(ch, verify(ch, wrong, at(10)));
  return ch;
};
const subjects = (events: OtpEvent[]) => events.map((e) => e.type);
const codeOf = (fn: () => unknown) => {
  try {
    fn();
  } catch (err) {
    expect(err).to.be.instanceOf(DomainError);
    return (err as DomainError).code;
  }
  throw new Error('expected a DomainError');
};

describe('domain/challenge issue()', () => {
  it('starts pending, sending, with the TTL from the policy', () => {
    const ch = given(issued());
    expect(ch.state).to.equal('pending');
    expect(ch.delivery).to.equal('sending');
    expect(ch.expiresAt.toISOString()).to.equal(at(300).toISOString());
    expect(ch.generation).to.equal(0);
  });
});

describe('domain/challenge verify()', () => {
  it('accepts the right code', () => {
    const events = verify(given(issued()), right, at(60));
    expect(subjects(events)).to.deep.equal(['verified']);
    expect(verificationError(events)).to.equal(undefined);
  });

  it('accepts a code once: the second use is refused with otp.not_pending', () => {
    const ch = apply(given(issued()), verify(given(issued()), right, at(60)));
    const events = verify(ch, right, at(61));
    expect(events).to.deep.equal([
      { type: 'verification_failed', attempt: 1, reason: 'already_used', wrongCode: false },
    ]);
    expect(verificationError(events)?.code).to.equal('otp.not_pending');
  });

  it('counts a wrong code and answers otp.code_invalid while tries remain', () => {
    const events = verify(given(issued()), wrong, at(60));
    expect(subjects(events)).to.deep.equal(['verification_failed']);
    expect(verificationError(events)?.code).to.equal('otp.code_invalid');
    expect(apply(given(issued()), events).attempts).to.equal(1);
  });

  it('locks the challenge on the fifth wrong code', () => {
    const ch = failedAttempts(given(issued()), 4);
    const events = verify(ch, wrong, at(60));
    expect(subjects(events)).to.deep.equal(['verification_failed', 'locked']);
    expect(verificationError(events)?.code).to.equal('otp.challenge_locked');
    expect(apply(ch, events).state).to.equal('locked');
  });

  it('refuses even the right code once locked, without comparing it', () => {
    const ch = failedAttempts(given(issued()), 5);
    let compared = false;
    const events = verify(
      ch,
      () => {
        compared = true;
        return true;
      },
      at(70),
    );
    expect(compared).to.equal(false);
    expect(events).to.deep.equal([
      { type: 'verification_failed', attempt: 6, reason: 'locked', wrongCode: false },
    ]);
    expect(verificationError(events)?.code).to.equal('otp.challenge_locked');
    expect(apply(ch, events).attempts).to.equal(5);
  });

  it('refuses the right code after the TTL with otp.code_expired', () => {
    const ch = given(issued());
    const events = verify(ch, right, at(300));
    expect(subjects(events)).to.deep.equal(['verification_failed']);
    expect(verificationError(events)?.code).to.equal('otp.code_expired');
    expect(stateAt(ch, at(300))).to.equal('expired');
    expect(stateAt(ch, at(299))).to.equal('pending');
  });
});

describe('domain/challenge resend()', () => {
  it('refuses a resend within the 30 s cooldown with otp.resend_too_soon', () => {
    expect(codeOf(() => resend(given(issued()), 'hmac-1', at(29)))).to.equal('otp.resend_too_soon');
  });

  it('issues a new code after the cooldown: new HMAC, next generation, fresh TTL, delivery sending again', () => {
    const sent = apply(
      given(issued()),
      reportDelivery({ ok: true, generation: 0, transport: 'dev_sink', attempts: 1 }),
    );
    expect(sent.delivery).to.equal('sent');
    const ch = apply(sent, resend(sent, 'hmac-1', at(30)));
    expect(ch.codeHmac).to.equal('hmac-1');
    expect(ch.generation).to.equal(1);
    expect(ch.expiresAt.toISOString()).to.equal(at(330).toISOString());
    expect(ch.delivery).to.equal('sending');
    expect(ch.resends).to.equal(1);
  });

  it('allows three resends and refuses the fourth with otp.resend_limit', () => {
    let ch = given(issued());
    for (const s of [30, 60, 90]) ch = apply(ch, resend(ch, `hmac-${s}`, at(s)));
    expect(codeOf(() => resend(ch, 'hmac-x', at(500)))).to.equal('otp.resend_limit');
  });

  it('keeps the wrong-code count across resends (a resend buys no extra guesses)', () => {
    let ch = failedAttempts(given(issued()), 3);
    ch = apply(ch, resend(ch, 'hmac-1', at(40)));
    expect(ch.attempts).to.equal(3);
    ch = failedAttempts(ch, 1);
    expect(subjects(verify(ch, wrong, at(50)))).to.deep.equal(['verification_failed', 'locked']);
  });

  it('revives an expired code with a new one', () => {
    const ch = given(issued());
    const next = apply(ch, resend(ch, 'hmac-1', at(400)));
    expect(stateAt(next, at(401))).to.equal('pending');
  });

  it('refuses a resend of a verified challenge (otp.not_pending) and of a locked one (otp.challenge_locked)', () => {
    const verified = apply(given(issued()), verify(given(issued()), right, at(10)));
    expect(codeOf(() => resend(verified, 'h', at(100)))).to.equal('otp.not_pending');
    expect(codeOf(() => resend(failedAttempts(given(issued()), 5), 'h', at(100)))).to.equal(
      'otp.challenge_locked',
    );
  });
});

describe('domain/challenge reportDelivery()', () => {
  it('marks delivery failed after sms_failed of the current code', () => {
    const ch = apply(
      given(issued()),
      reportDelivery({ ok: false, generation: 0, transport: 'sns', attempts: 5, error: 'Throttling (400)' }),
    );
    expect(ch.delivery).to.equal('failed');
  });

  it('ignores a report about a replaced code (the event is still recorded)', () => {
    let ch = given(issued());
    ch = apply(ch, resend(ch, 'hmac-1', at(30)));
    const events = reportDelivery({ ok: false, generation: 0, transport: 'sns', attempts: 5, error: 'x' });
    expect(subjects(events)).to.deep.equal(['sms_failed']);
    expect(apply(ch, events).delivery).to.equal('sending');
  });
});
