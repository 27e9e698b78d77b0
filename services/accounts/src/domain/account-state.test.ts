import { expect } from 'chai';
import { DomainError } from '@idp/events';
import {
  loginRefusal,
  may,
  smsPassOf,
  transition,
  type AccountCommand,
  type AccountLifecycle,
  type AccountState,
  type LiveState,
} from './account-state.js';

const ID = '6f1c9a52-1b0e-4c55-9d1e-0b7d3c1f2a11';
const at = (state: AccountState, suspendedFrom: LiveState | null = null): AccountLifecycle => ({
  state,
  suspendedFrom: state === 'suspended' ? (suspendedFrom ?? 'email_confirmed') : null,
});

const COMMANDS: Record<string, AccountCommand> = {
  confirm_email: { type: 'confirm_email' },
  request_smspass: { type: 'request_smspass' },
  activate_smspass: { type: 'activate_smspass' },
  cancel_smspass: { type: 'cancel_smspass', by: 'self' },
  expire_smspass: { type: 'cancel_smspass', by: 'expiry' },
  suspend: { type: 'suspend', reason: 'abuse' },
  reinstate: { type: 'reinstate' },
  cancel: { type: 'cancel', by: 'self' },
  erase: { type: 'erase', by: 'self' },
};
const STATES: AccountState[] = [
  'registered',
  'email_confirmed',
  'smspass_pending',
  'smspass_active',
  'suspended',
  'cancelled',
  'erased',
];

/** Every allowed (state, command): the state it leads to and the event it yields. Nothing else is allowed. */
const ALLOWED: Record<string, [AccountState, string]> = {
  'registered/confirm_email': ['email_confirmed', 'idp.account.email_confirmed.v1'],
  'email_confirmed/request_smspass': ['smspass_pending', 'idp.account.smspass_requested.v1'],
  'smspass_pending/activate_smspass': ['smspass_active', 'idp.account.smspass_activated.v1'],
  'smspass_pending/cancel_smspass': ['email_confirmed', 'idp.account.smspass_cancelled.v1'],
  'smspass_pending/expire_smspass': ['email_confirmed', 'idp.account.smspass_cancelled.v1'],
  'smspass_active/cancel_smspass': ['email_confirmed', 'idp.account.smspass_cancelled.v1'],
  'registered/suspend': ['suspended', 'idp.account.suspended.v1'],
  'email_confirmed/suspend': ['suspended', 'idp.account.suspended.v1'],
  'smspass_pending/suspend': ['suspended', 'idp.account.suspended.v1'],
  'smspass_active/suspend': ['suspended', 'idp.account.suspended.v1'],
  'suspended/reinstate': ['email_confirmed', 'idp.account.reinstated.v1'],
  'registered/cancel': ['cancelled', 'idp.account.cancelled.v1'],
  'email_confirmed/cancel': ['cancelled', 'idp.account.cancelled.v1'],
  'smspass_pending/cancel': ['cancelled', 'idp.account.cancelled.v1'],
  'smspass_active/cancel': ['cancelled', 'idp.account.cancelled.v1'],
  'suspended/cancel': ['cancelled', 'idp.account.cancelled.v1'],
  'registered/erase': ['erased', 'idp.account.erased.v1'],
  'email_confirmed/erase': ['erased', 'idp.account.erased.v1'],
  'smspass_pending/erase': ['erased', 'idp.account.erased.v1'],
  'smspass_active/erase': ['erased', 'idp.account.erased.v1'],
  'suspended/erase': ['erased', 'idp.account.erased.v1'],
  'cancelled/erase': ['erased', 'idp.account.erased.v1'],
};

describe('domain/account-state transition()', () => {
  for (const state of STATES) {
    for (const [name, command] of Object.entries(COMMANDS)) {
      const expected = ALLOWED[`${state}/${name}`];
      if (expected) {
        it(`${state} --${name}--> ${expected[0]} with ${expected[1]}`, () => {
          const t = transition(ID, at(state), command);
          expect(t.next.state).to.equal(expected[0]);
          expect(t.event.def.subject).to.equal(expected[1]);
          expect(t.event.data).to.include({ accountId: ID, from: state });
          // The event's data passes its own schema: only ids, states and reasons.
          expect(t.event.def.schema.safeParse(t.event.data).success).to.equal(true);
        });
      } else {
        it(`refuses ${name} in ${state} with accounts.transition_not_allowed`, () => {
          expect(() => transition(ID, at(state), command))
            .to.throw(DomainError)
            .with.property('code', 'accounts.transition_not_allowed');
        });
      }
    }
  }

  it('remembers the state a suspension interrupted and reinstates exactly that one', () => {
    for (const from of ['registered', 'email_confirmed', 'smspass_pending', 'smspass_active'] as const) {
      const suspended = transition(ID, at(from), COMMANDS.suspend!);
      expect(suspended.next).to.deep.equal({ state: 'suspended', suspendedFrom: from });
      const back = transition(ID, suspended.next, COMMANDS.reinstate!);
      expect(back.next).to.deep.equal({ state: from, suspendedFrom: null });
      expect(back.event.data).to.deep.equal({ accountId: ID, from: 'suspended', to: from });
    }
  });

  it('carries who cancelled and why an account was suspended', () => {
    expect(transition(ID, at('smspass_active'), { type: 'cancel', by: 'officer' }).event.data).to.deep.equal({
      accountId: ID,
      from: 'smspass_active',
      by: 'officer',
    });
    expect(transition(ID, at('email_confirmed'), COMMANDS.suspend!).event.data).to.deep.include({
      reason: 'abuse',
    });
  });
});

describe('domain/account-state guards', () => {
  it('lets only a confirmed, live account log in, and says why the others cannot', () => {
    expect(STATES.filter((s) => loginRefusal(s) === undefined)).to.deep.equal([
      'email_confirmed',
      'smspass_pending',
      'smspass_active',
    ]);
    expect(loginRefusal('registered')?.code).to.equal('accounts.email_not_confirmed');
    expect(loginRefusal('suspended')?.code).to.equal('accounts.suspended');
    expect(loginRefusal('cancelled')?.code).to.equal('accounts.cancelled');
    expect(loginRefusal('suspended')?.kind).to.equal('permission_denied');
  });

  it('resets passwords of confirmed, live accounts only', () => {
    expect(STATES.filter((s) => may(s, 'reset_password'))).to.deep.equal([
      'email_confirmed',
      'smspass_pending',
      'smspass_active',
    ]);
    expect(STATES.filter((s) => may(s, 'change_password'))).to.not.include('registered');
  });

  it('applies identity corrections to confirmed, live accounts only', () => {
    expect(STATES.filter((s) => may(s, 'correct_identity'))).to.deep.equal([
      'email_confirmed',
      'smspass_pending',
      'smspass_active',
    ]);
  });

  it('derives the smsPASS status login reads, so only smspass_active sends codes', () => {
    expect(STATES.map((s) => smsPassOf(at(s)))).to.deep.equal([
      'none',
      'none',
      'pending',
      'active',
      'suspended',
      'cancelled',
      'cancelled',
    ]);
  });
});
