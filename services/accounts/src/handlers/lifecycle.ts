import type { Envelope, MessageContext } from '@idp/events';
import { transition, type AccountCommand, type AccountLifecycle } from '../domain/account-state.js';
import type { AccountTransaction, Deps } from '../ports.js';
import { accountAggregate } from './events.js';

export type Actor = Envelope['actor'];

/**
 * Applies one command of the account state machine inside `tx`: decides (throwing
 * `accounts.transition_not_allowed` when the state does not allow it), saves the new lifecycle and
 * puts its event in the outbox. Every lifecycle change outside registration goes through here.
 */
export async function applyTransition(
  d: Pick<Deps, 'event' | 'clock'>,
  tx: AccountTransaction,
  account: { id: string; lifecycle: AccountLifecycle },
  command: AccountCommand,
  ctx: MessageContext,
  actor: Actor,
): Promise<AccountLifecycle> {
  const t = transition(account.id, account.lifecycle, command);
  await tx.saveLifecycle(account.id, t.next, d.clock.now());
  await tx.enqueue([
    d.event(t.event.def, { aggregate: accountAggregate(account.id), actor, data: t.event.data }, ctx),
  ]);
  return t.next;
}
