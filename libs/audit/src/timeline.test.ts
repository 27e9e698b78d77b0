import { expect } from 'chai';
import type { Envelope } from '@idp/events';
import type { ReplayedEvent } from './replay-validate.js';
import { buildTimeline, categoryOf } from './timeline.js';

const ME = '019a0000-0000-7000-8000-0000000000aa';
const OTHER = '019a0000-0000-7000-8000-0000000000bb';
const SP = 'https://edavki.example.si/sp';
let seq = 0;
const ev = (subject: string, aggregate: Envelope['aggregate'], tx: string, data: object): ReplayedEvent => {
  const envelope: Envelope = {
    id: `019a0000-0000-7000-8000-${String(++seq).padStart(12, '0')}`,
    subject,
    occurredAt: `2026-11-02T10:00:${String(seq).padStart(2, '0')}.000Z`,
    producer: 'test@0/0',
    aggregate,
    actor: { kind: 'user' },
    correlationId: tx,
    data,
  };
  return {
    seq,
    time: new Date(envelope.occurredAt),
    subject,
    headers: undefined,
    body: new Uint8Array(),
    envelope,
    problem: undefined,
  };
};
const acc = (id: string) => ({ type: 'account', id });
const tx = (id: string) => ({ type: 'login_transaction', id });

describe('timeline buildTimeline()', () => {
  const events = [
    ev('idp.account.created.v1', acc(ME), 'op-1', { accountId: ME, smsPass: 'active', by: 'operator' }),
    ev('idp.saml.authn_request_received.v1', tx('t1'), 't1', { spEntityId: SP }),
    ev('idp.account.password_verified.v1', acc(ME), 't1', { accountId: ME }),
    ev('idp.otp.sms_sent.v1', { type: 'otp_challenge', id: 'c1' }, 't1', { challengeId: 'c1' }),
    ev('idp.saml.assertion_issued.v1', acc(ME), 't1', { spEntityId: SP, sessionReused: false }),
    // Someone else's login: not mine, even though it is a login too.
    ev('idp.saml.authn_request_received.v1', tx('t2'), 't2', { spEntityId: SP }),
    ev('idp.account.password_verified.v1', acc(OTHER), 't2', { accountId: OTHER }),
    // My failed login to another e-service.
    ev('idp.saml.authn_request_received.v1', tx('t3'), 't3', {
      spEntityId: 'https://zdravstvo.example.si/saml',
    }),
    ev('idp.account.password_verification_failed.v1', acc(ME), 't3', {
      accountId: ME,
      reason: 'wrong_password',
    }),
    ev('idp.saml.authn_failed.v1', tx('t3'), 't3', {
      spEntityId: 'https://zdravstvo.example.si/saml',
      reason: 'cancelled',
    }),
    // A journey shared with another account (an operator batch): the other account's event stays out.
    ev('idp.account.created.v1', acc(OTHER), 'op-1', { accountId: OTHER, smsPass: 'none', by: 'operator' }),
    ev('idp.account.phone_added.v1', acc(ME), 'p1', { accountId: ME }),
  ];

  it('holds my events and the events of my journeys, in order, and nobody else’s', () => {
    const t = buildTimeline(ME, events);
    expect(t.entries.map((e) => e.seq)).to.deep.equal([1, 2, 3, 4, 5, 8, 9, 10, 12]);
    expect(t.entries.find((e) => e.seq === 2)).to.deep.include({
      via: 'correlation',
      category: 'login',
      eservice: SP,
    });
    expect(t.entries.find((e) => e.seq === 3)).to.deep.include({ via: 'account', eservice: SP });
    expect(t.entries.find((e) => e.seq === 4)!.eservice).to.equal(SP);
  });

  it('counts logins per e-service by outcome', () => {
    expect(buildTimeline(ME, events).logins).to.deep.equal(
      [
        {
          eservice: SP,
          attempts: 1,
          succeeded: 1,
          failed: 0,
          incomplete: 0,
          lastSuccessAt: '2026-11-02T10:00:05.000Z',
        },
        {
          eservice: 'https://zdravstvo.example.si/saml',
          attempts: 1,
          succeeded: 0,
          failed: 1,
          incomplete: 0,
          lastSuccessAt: undefined,
        },
      ].sort((a, b) => (a.eservice < b.eservice ? -1 : 1)),
    );
  });

  it('categorises by subject, including subjects whose contracts come later', () => {
    expect(
      [
        'idp.account.created.v1',
        'idp.activation.code_sent.v1',
        'idp.ra.identity_checked.v1',
        'idp.account.phone_added.v1',
        'idp.account.phone_removed.v2',
        'idp.session.started.v1',
        'idp.account.password_verification_failed.v1',
        'idp.account.smspass_cancelled.v1',
        'idp.activation.correction_approved.v1',
        'idp.messaging.message_dead_lettered.v1',
      ].map(categoryOf),
    ).to.deep.equal([
      'registration',
      'activation',
      'officer',
      'phone',
      'phone',
      'login',
      'login',
      'activation',
      'account',
      'other',
    ]);
  });
});
