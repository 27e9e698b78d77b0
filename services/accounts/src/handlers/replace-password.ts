import { AccountPasswordChangedV1, type MessageContext } from '@idp/events';
import type { AccountRecord, AccountTransaction, Deps } from '../ports.js';
import { accountAggregate } from './events.js';

/**
 * The one way a password is replaced, by a change on the user pages or through a reset link: the
 * new hash, outstanding reset links spent, the event, and a mail telling the account address. Runs
 * in the caller's transaction, with the account already locked.
 */
export async function replacePassword(
  d: Pick<Deps, 'event' | 'mail'>,
  tx: Pick<AccountTransaction, 'updatePasswordHash' | 'spendTokens' | 'enqueue'>,
  account: Pick<AccountRecord, 'id' | 'email' | 'language'>,
  passwordHash: string,
  via: 'change' | 'reset',
  now: Date,
  ctx: MessageContext,
): Promise<void> {
  await tx.updatePasswordHash(account.id, passwordHash, now);
  await tx.spendTokens(account.id, 'password_reset', now);
  await tx.enqueue([
    d.event(
      AccountPasswordChangedV1,
      {
        aggregate: accountAggregate(account.id),
        actor: { kind: 'user', id: account.id },
        data: { accountId: account.id, via },
      },
      ctx,
    ),
    d.mail.job(
      { accountId: account.id, template: 'password_changed', language: account.language, to: account.email },
      ctx,
    ),
  ]);
}
