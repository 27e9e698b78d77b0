import { expect } from 'chai';
import type { Envelope } from '@idp/events';
import { compileFilter, isValidSubjectPattern, serverFilterSubject, subjectMatches } from './filters.js';
import type { ReplayedEvent } from './replay-validate.js';

const env = (o: Partial<Envelope> = {}): Envelope => ({
  id: '019a0000-0000-7000-8000-000000000001',
  subject: 'idp.session.started.v1',
  occurredAt: '2026-11-01T08:00:00.000Z',
  producer: 'idp-gateway@0.1.0/gw-1',
  aggregate: { type: 'login_transaction', id: 'tx-1' },
  actor: { kind: 'user' },
  correlationId: 'tx-1',
  data: { accountId: 'acc-1', spEntityId: 'https://sp.example.si' },
  ...o,
});
const event = (e: Envelope | undefined, subject = e?.subject ?? 'idp.x.y.v1'): ReplayedEvent => ({
  seq: 1,
  time: new Date(0),
  subject,
  headers: undefined,
  body: new Uint8Array(),
  envelope: e,
  problem: e ? undefined : { kind: 'not_json', issues: ['(root): bad'] },
});

describe('filters subjectMatches()', () => {
  const cases: [string, string, boolean][] = [
    ['idp.saml.>', 'idp.saml.assertion_issued.v1', true],
    ['idp.saml.>', 'idp.saml', false],
    ['idp.*.created.v1', 'idp.account.created.v1', true],
    ['idp.*.created.v1', 'idp.account.created.v2', false],
    ['idp.account.created.v1', 'idp.account.created.v1', true],
    ['idp.account', 'idp.account.created.v1', false],
    ['>', 'idp.account.created.v1', true],
    ['idp.*', 'idp.account.created.v1', false],
  ];
  for (const [p, s, want] of cases)
    it(`${p} ${want ? 'matches' : 'does not match'} ${s}`, () => expect(subjectMatches(p, s)).to.equal(want));

  it('accepts only patterns the server would', () => {
    expect(['idp.saml.>', 'idp.*.created.v1', '>'].every(isValidSubjectPattern)).to.equal(true);
    expect(['idp..x', 'idp.>.x', 'idp.sa>ml', '', 'idp. x'].some(isValidSubjectPattern)).to.equal(false);
  });
});

describe('filters compileFilter()', () => {
  it('matches an account by aggregate id or data.accountId', () => {
    const f = compileFilter({ account: 'acc-1' });
    expect(f(event(env()))).to.equal(true);
    expect(f(event(env({ aggregate: { type: 'account', id: 'acc-1' }, data: {} })))).to.equal(true);
    expect(f(event(env({ data: { accountId: 'acc-2' } })))).to.equal(false);
  });

  it('ANDs the criteria and ORs the subject patterns', () => {
    const f = compileFilter({
      subjects: ['idp.saml.>', 'idp.session.*.v1'],
      eservice: 'https://sp.example.si',
      correlationId: 'tx-1',
    });
    expect(f(event(env()))).to.equal(true);
    expect(f(event(env({ correlationId: 'tx-2' })))).to.equal(false);
    expect(f(event(env({ data: { spEntityId: 'https://other.example.si' } })))).to.equal(false);
    expect(f(event(env({ subject: 'idp.otp.sms_sent.v1' })))).to.equal(false);
  });

  it('lets an unreadable event through the envelope filters but not through a subject pattern', () => {
    expect(compileFilter({ account: 'acc-1', eservice: 'x', correlationId: 'y' })(event(undefined))).to.equal(
      true,
    );
    expect(compileFilter({ subjects: ['idp.saml.>'] })(event(undefined, 'idp.otp.sms_sent.v1'))).to.equal(
      false,
    );
  });

  it('leaves one subject pattern to the server, several to the client', () => {
    expect(serverFilterSubject({ subjects: ['idp.saml.>'] })).to.equal('idp.saml.>');
    expect(serverFilterSubject({ subjects: ['idp.saml.>', 'idp.otp.>'] })).to.equal(undefined);
    expect(serverFilterSubject({})).to.equal(undefined);
  });
});
