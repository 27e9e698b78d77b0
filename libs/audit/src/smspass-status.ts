import {
  smsPassOfState,
  type AccountState,
  type Envelope,
  type SmsPassStatus as SmsPassStatusSchema,
} from '@idp/events';
import type { z } from 'zod';

/**
 * Each account's lifecycle state and smsPASS status, rebuilt from the log alone. The accounts
 * service holds the live state; an auditor (and the replay test) folds the account events with
 * `applyAccountEvent` and must arrive at the same answer. The rules mirror the account state
 * machine: every transition event names the state it left, and the state it enters follows from
 * its subject (a reinstatement says where it returns to).
 */
export type AccountLifecycleState = z.infer<typeof AccountState>;
export type SmsPassStatus = z.infer<typeof SmsPassStatusSchema>;

export interface AccountStatus {
  state: AccountLifecycleState;
  /** Stream sequence (or position) of the last event that changed it. */
  lastChange: string;
}

export type AccountStatusState = Record<string, AccountStatus>;

/** The state each transition event enters (reinstatement: its `to`). */
const ENTERS: Record<
  string,
  AccountLifecycleState | ((data: Record<string, unknown>) => AccountLifecycleState)
> = {
  'idp.account.created.v1': (d) => (d.smsPass === 'active' ? 'smspass_active' : 'email_confirmed'),
  'idp.account.registered.v1': 'registered',
  'idp.account.email_confirmed.v1': 'email_confirmed',
  'idp.account.smspass_requested.v1': 'smspass_pending',
  'idp.account.smspass_activated.v1': 'smspass_active',
  'idp.account.smspass_cancelled.v1': 'email_confirmed',
  'idp.account.suspended.v1': 'suspended',
  'idp.account.reinstated.v1': (d) => d.to as AccountLifecycleState,
  'idp.account.cancelled.v1': 'cancelled',
  'idp.account.erased.v1': 'erased',
};

/** Subjects this projection reads (a replay may filter on `idp.account.>`). */
export const ACCOUNT_STATUS_SUBJECTS: readonly string[] = Object.keys(ENTERS);

/** Folds one event into the projection (in place, like a reduce accumulator); others are ignored. */
export function applyAccountEvent(state: AccountStatusState, env: Envelope, position: string): void {
  const rule = ENTERS[env.subject];
  if (!rule) return;
  const data = (env.data ?? {}) as Record<string, unknown>;
  const accountId = typeof data.accountId === 'string' ? data.accountId : env.aggregate.id;
  state[accountId] = { state: typeof rule === 'function' ? rule(data) : rule, lastChange: position };
}

/** The smsPASS status the accounts service reports for a lifecycle state (one mapping, in the contract). */
export { smsPassOfState };
