import {
  AccountCancelledV1,
  AccountEmailConfirmedV1,
  AccountErasedV1,
  AccountReinstatedV1,
  AccountSmsPassActivatedV1,
  AccountSmsPassCancelledV1,
  AccountSmsPassRequestedV1,
  AccountSuspendedV1,
  DomainError,
  smsPassOfState,
  type AccountState as AccountStateSchema,
  type EventData,
  type EventDef,
  type SmsPassStatus,
} from '@idp/events';
import type { z } from '@idp/config';

/**
 * The one place that decides how an account's state may change (diagram: account-state.mermaid).
 *
 * registered → email_confirmed → smspass_pending → smspass_active is the citizen's way up.
 * `suspended` and `cancelled` belong to the whole account, not to smsPASS: a suspended account
 * cannot log in at all (an officer stops abuse), and a cancelled one is closed for good. Giving up
 * only smsPASS (`cancel_smspass`) returns the account to `email_confirmed`, password only.
 */
export type AccountState = z.infer<typeof AccountStateSchema>;
export type SmsPass = z.infer<typeof SmsPassStatus>;

/** States an account can be reinstated to, i.e. every state but suspended, cancelled and erased. */
export type LiveState = Exclude<AccountState, 'suspended' | 'cancelled' | 'erased'>;

export interface AccountLifecycle {
  state: AccountState;
  /** While suspended: the state reinstatement returns to. Null otherwise. */
  suspendedFrom: LiveState | null;
}

export type AccountCommand =
  | { type: 'confirm_email' }
  | { type: 'request_smspass' }
  | { type: 'activate_smspass' }
  | { type: 'cancel_smspass'; by: 'self' | 'officer' | 'expiry' }
  | { type: 'suspend'; reason: 'abuse' | 'other' }
  | { type: 'reinstate' }
  | { type: 'cancel'; by: 'self' | 'officer' }
  | { type: 'erase'; by: 'self' };

/** An event the transition yields, ready for the handler to wrap in an envelope. */
export interface LifecycleEvent<E extends EventDef = EventDef> {
  def: E;
  data: EventData<E>;
}

export interface Transition {
  next: AccountLifecycle;
  event: LifecycleEvent;
}

const LIVE: readonly AccountState[] = ['registered', 'email_confirmed', 'smspass_pending', 'smspass_active'];
const isLive = (s: AccountState): s is LiveState => LIVE.includes(s);

const live = (state: LiveState): AccountLifecycle => ({ state, suspendedFrom: null });
const event = <E extends EventDef>(def: E, data: EventData<E>): LifecycleEvent => ({ def, data });

const refused = (from: AccountState, command: AccountCommand['type']) =>
  new DomainError('precondition', 'accounts.transition_not_allowed', {
    message: `${command} is not allowed in state ${from}`,
  });

/** A new self-registered account: it can do nothing until its e-mail address is confirmed. */
export const REGISTERED: AccountLifecycle = live('registered');

/**
 * Applies `command` to an account in `current`, or throws `precondition` /
 * `accounts.transition_not_allowed`. Every allowed transition yields exactly one event.
 */
export function transition(
  accountId: string,
  current: AccountLifecycle,
  command: AccountCommand,
): Transition {
  const from = current.state;
  const move = (state: LiveState | 'cancelled' | 'erased', e: LifecycleEvent): Transition => ({
    next: { state, suspendedFrom: null },
    event: e,
  });
  switch (command.type) {
    case 'confirm_email':
      if (from !== 'registered') break;
      return move('email_confirmed', event(AccountEmailConfirmedV1, { accountId, from }));
    case 'request_smspass':
      if (from !== 'email_confirmed') break;
      return move('smspass_pending', event(AccountSmsPassRequestedV1, { accountId, from }));
    case 'activate_smspass':
      if (from !== 'smspass_pending') break;
      return move('smspass_active', event(AccountSmsPassActivatedV1, { accountId, from }));
    case 'cancel_smspass':
      if (from !== 'smspass_pending' && from !== 'smspass_active') break;
      // Only a pending activation expires; an active smsPASS is cancelled by a person.
      if (command.by === 'expiry' && from !== 'smspass_pending') break;
      return move('email_confirmed', event(AccountSmsPassCancelledV1, { accountId, from, by: command.by }));
    case 'suspend':
      if (!isLive(from)) break;
      return {
        next: { state: 'suspended', suspendedFrom: from },
        event: event(AccountSuspendedV1, { accountId, from, reason: command.reason }),
      };
    case 'reinstate': {
      if (from !== 'suspended' || current.suspendedFrom === null) break;
      const to = current.suspendedFrom;
      return { next: live(to), event: event(AccountReinstatedV1, { accountId, from, to }) };
    }
    case 'cancel':
      if (from === 'cancelled' || from === 'erased') break;
      return move('cancelled', event(AccountCancelledV1, { accountId, from, by: command.by }));
    case 'erase':
      // Any state, suspended and cancelled too: the right to erasure does not depend on the account's standing.
      if (from === 'erased') break;
      return move('erased', event(AccountErasedV1, { accountId, from, by: command.by }));
  }
  throw refused(from, command.type);
}

/** What an account in each state may do besides changing state. */
export type AccountAction =
  'log_in' | 'change_password' | 'reset_password' | 'update_contact_data' | 'correct_identity';

const ALLOWED: Readonly<Record<AccountAction, readonly AccountState[]>> = {
  log_in: ['email_confirmed', 'smspass_pending', 'smspass_active'],
  change_password: ['email_confirmed', 'smspass_pending', 'smspass_active'],
  // Not `registered`: whoever registered an address they do not own must not have it adopted, with
  // their personal data, by the mailbox owner's reset; an unconfirmed registration expires instead.
  reset_password: ['email_confirmed', 'smspass_pending', 'smspass_active'],
  update_contact_data: ['email_confirmed', 'smspass_pending', 'smspass_active'],
  // An approved identity correction (names, permanent address); not while suspended, nor on an
  // unconfirmed registration, whose owner has proven nothing yet.
  correct_identity: ['email_confirmed', 'smspass_pending', 'smspass_active'],
};

export const may = (state: AccountState, action: AccountAction): boolean => ALLOWED[action].includes(state);

/** Throws `precondition` / `accounts.transition_not_allowed` unless the state allows `action`; `what` says what was refused. */
export function assertMay(state: AccountState, action: AccountAction, what: string): void {
  if (!may(state, action))
    throw new DomainError('precondition', 'accounts.transition_not_allowed', {
      message: `${what} in state ${state}`,
    });
}

/**
 * Why a right password does not log in, or undefined when it does. Only the password holder ever
 * sees these: a wrong password gets the same answer as an unknown account whatever the state.
 */
export function loginRefusal(state: AccountState): DomainError | undefined {
  if (may(state, 'log_in')) return undefined;
  switch (state) {
    case 'registered':
      return new DomainError('permission_denied', 'accounts.email_not_confirmed', {
        message: 'confirm the e-mail address first',
      });
    case 'suspended':
      return new DomainError('permission_denied', 'accounts.suspended', { message: 'account suspended' });
    default:
      return new DomainError('permission_denied', 'accounts.cancelled', { message: 'account cancelled' });
  }
}

/**
 * The smsPASS status login and get_otp_destination read (`sms_pass` column of migration 0001),
 * derived from the state so the two cannot disagree: only `smspass_active` sends codes.
 */
export const smsPassOf = (l: AccountLifecycle): SmsPass => smsPassOfState(l.state);
