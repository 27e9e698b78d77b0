import { expect } from 'chai';
import type { Envelope } from '@idp/events';
import { sampleJourneys } from './replay-fixtures.js';
import { applyEvent, initialStats, periodOf, statsView } from './stats.js';

const SP = 'https://edavki.example.si/sp';
let n = 0;
const ev = (
  subject: string,
  data: object,
  o: { at?: string; tx?: string; account?: string } = {},
): Envelope => ({
  id: `019a0000-0000-7000-8000-${String(++n).padStart(12, '0')}`,
  subject,
  occurredAt: o.at ?? '2026-11-02T10:00:00.000Z',
  producer: 'test@0/0',
  aggregate: { type: 'account', id: o.account ?? 'acc-1' },
  actor: { kind: 'user' },
  correlationId: o.tx ?? 'tx-1',
  data,
});
const fold = (events: Envelope[]) => events.reduce(applyEvent, initialStats());

describe('stats applyEvent()', () => {
  it('counts accounts and smsPASS activations per day, and the total', () => {
    const s = fold([
      ev('idp.account.created.v1', { accountId: 'a', smsPass: 'active', by: 'operator' }),
      ev(
        'idp.account.created.v1',
        { accountId: 'b', smsPass: 'none', by: 'self' },
        { at: '2026-11-03T00:00:00.000Z' },
      ),
      ev(
        'idp.account.registered.v1',
        { accountId: 'c', termsVersion: '2026-01', termsAcceptedAt: '2026-11-03T00:30:00.000Z' },
        { at: '2026-11-03T00:30:00.000Z' },
      ),
      // One activation: the workflow's completion and the account's transition are the same fact.
      ev('idp.activation.completed.v1', { requestId: 'r' }, { at: '2026-11-03T01:00:00.000Z' }),
      ev(
        'idp.account.smspass_activated.v1',
        { accountId: 'c', from: 'smspass_pending' },
        { at: '2026-11-03T01:00:00.000Z' },
      ),
    ]);
    const v = statsView(s, 'day');
    expect(v.totalAccounts).to.equal(3);
    expect(v.rows.map((r) => [r.period, r.newAccounts, r.smsPassActivations])).to.deep.equal([
      ['2026-11-02', 1, 1],
      ['2026-11-03', 2, 1],
    ]);
  });

  it('attributes a failed password or code to the e-service of its login transaction', () => {
    const s = fold([
      ev('idp.saml.authn_request_received.v1', { spEntityId: SP }, { tx: 'tx-9' }),
      ev('idp.account.password_verification_failed.v1', { reason: 'wrong_password' }, { tx: 'tx-9' }),
      ev('idp.otp.verification_failed.v1', { reason: 'wrong_code' }, { tx: 'tx-9' }),
      ev('idp.saml.assertion_issued.v1', { spEntityId: SP, sessionReused: false }, { tx: 'tx-9' }),
      ev('idp.saml.assertion_issued.v1', { spEntityId: SP, sessionReused: true }, { tx: 'tx-10' }),
      ev('idp.saml.authn_request_rejected.v1', { errorCode: 'saml.signature_invalid' }, { tx: 'tx-11' }),
      ev('idp.account.password_verification_failed.v1', { reason: 'unknown_account' }, { tx: 'tx-12' }),
      ev('idp.otp.sms_sent.v1', {}),
      ev('idp.otp.sms_failed.v1', {}),
    ]);
    const day = statsView(s).rows[0]!;
    expect(day.logins).to.deep.equal({
      '(unknown)': {
        requests: 0,
        succeeded: 0,
        ssoReused: 0,
        failures: { 'password:unknown_account': 1, 'rejected:saml.signature_invalid': 1 },
      },
      [SP]: {
        requests: 1,
        succeeded: 2,
        ssoReused: 1,
        failures: { 'otp:wrong_code': 1, 'password:wrong_password': 1 },
      },
    });
    expect(day.sms).to.deep.equal({ sent: 1, failed: 1 });
    expect(s.open).to.deep.equal({});
  });

  it('forgets a login transaction left open for more than two days', () => {
    const s = fold([
      ev(
        'idp.saml.authn_request_received.v1',
        { spEntityId: SP },
        { tx: 'old', at: '2026-11-01T10:00:00.000Z' },
      ),
      ev('idp.otp.sms_sent.v1', {}, { at: '2026-11-05T10:00:00.000Z' }),
    ]);
    expect(s.open).to.deep.equal({});
  });

  it('counts user-page actions by name, any version of their subjects', () => {
    const v = statsView(
      fold([
        ev('idp.account.phone_added.v1', {}),
        ev('idp.account.phone_added.v2', {}),
        ev('idp.account.phone_removed.v1', {}),
        ev('idp.account.contact_data_updated.v1', {}),
        ev('idp.account.password_changed.v1', { via: 'change' }),
        ev('idp.account.personal_data_exported.v1', {}),
        ev('idp.account.smspass_cancelled.v1', { by: 'self' }),
        // Not the citizen's own action on the user pages:
        ev('idp.account.smspass_cancelled.v1', { by: 'officer' }),
      ]),
    );
    expect(v.rows[0]!.userPages).to.deep.equal({
      contact_data_updated: 1,
      password_changed: 1,
      personal_data_exported: 1,
      phone_added: 2,
      phone_removed: 1,
      smspass_cancelled: 1,
    });
  });

  it('gives the same view byte for byte for the same events, with no account, session or correlation id in it', () => {
    const events = sampleJourneys({ events: 2000, seed: 3 });
    const a = JSON.stringify(statsView(fold(events), 'week'));
    expect(a).to.equal(JSON.stringify(statsView(fold(structuredClone(events)), 'week')));
    for (const e of events.slice(0, 200)) {
      expect(a).not.to.include(e.aggregate.id);
      expect(a).not.to.include(e.correlationId);
    }
  });

  it('sums days into ISO weeks and months', () => {
    expect(periodOf('2026-11-01', 'week')).to.equal('2026-W44');
    expect(periodOf('2026-11-02', 'week')).to.equal('2026-W45');
    expect(periodOf('2027-01-01', 'week')).to.equal('2026-W53');
    expect(periodOf('2026-11-30', 'month')).to.equal('2026-11');
    const s = fold([
      ev('idp.otp.sms_sent.v1', {}, { at: '2026-11-01T10:00:00.000Z' }),
      ev('idp.otp.sms_sent.v1', {}, { at: '2026-11-02T10:00:00.000Z' }),
      ev('idp.otp.sms_sent.v1', {}, { at: '2026-11-08T10:00:00.000Z' }),
    ]);
    expect(statsView(s, 'week').rows.map((r) => [r.period, r.sms.sent])).to.deep.equal([
      ['2026-W44', 1],
      ['2026-W45', 2],
    ]);
    expect(statsView(s, 'month').rows.map((r) => [r.period, r.sms.sent])).to.deep.equal([['2026-11', 3]]);
  });
});
