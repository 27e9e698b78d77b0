import { accountsRpc, rpcHandler, type RpcHandler } from '@idp/events';
import { transition } from '../domain/account-state.js';
import { hashToken } from '../domain/token.js';
import type { Deps } from '../ports.js';
import { accountAggregate } from './events.js';
import { invalidToken, rejected, takeToken } from './tokens.js';

/** Serves `idp.rpc.accounts.confirm_email.v1`: spends the link and moves the account to `email_confirmed`. */
export const confirmEmail = (d: Deps): RpcHandler<typeof accountsRpc.confirmEmail> =>
  rpcHandler(accountsRpc.confirmEmail, async (req, ctx) => {
    const now = d.clock.now();
    const accountId = await d.store.transaction(async (tx) => {
      const token = await takeToken(d, tx, hashToken(req.token), 'email_confirmation', now, ctx);
      if (!token) return undefined;
      const account = await tx.lockAccount(token.accountId);
      // Suspended or cancelled since the link was sent: the link no longer does anything. (Confirming
      // spends every confirmation link of the account, so a confirmed account has none left.)
      if (!account || account.lifecycle.state !== 'registered') {
        await tx.enqueue([rejected(d, ctx, 'email_confirmation', 'state', token.accountId)]);
        return undefined;
      }
      const t = transition(account.id, account.lifecycle, { type: 'confirm_email' });
      await tx.saveLifecycle(account.id, t.next, now);
      await tx.spendTokens(account.id, 'email_confirmation', now);
      await tx.enqueue([
        d.event(
          t.event.def,
          {
            aggregate: accountAggregate(account.id),
            actor: { kind: 'user', id: account.id },
            data: t.event.data,
          },
          ctx,
        ),
      ]);
      return account.id;
    });
    if (!accountId) throw invalidToken();
    return { accountId };
  });
