import { DomainError, accountsRpc, rpcHandler, type RpcHandler } from '@idp/events';
import { assertMay } from '../domain/account-state.js';
import { assertAcceptablePassword, normalizePassword } from '../domain/password.js';
import type { Deps } from '../ports.js';
import { accountNotFound } from './get-attributes.js';
import { replacePassword } from './replace-password.js';

/**
 * Serves `idp.rpc.accounts.change_password.v1` for the user pages: the current password must be
 * right. Outstanding reset links die with the old password, and the account address is told.
 */
export const changePassword = (d: Deps): RpcHandler<typeof accountsRpc.changePassword> =>
  rpcHandler(accountsRpc.changePassword, async (req, ctx) => {
    const now = d.clock.now();
    const account = await d.store.findById(req.accountId);
    if (!account) throw accountNotFound();
    assertMay(account.lifecycle.state, 'change_password', 'the password cannot be changed');
    if (!(await d.hasher.verify(account.passwordHash, normalizePassword(req.currentPassword)))) {
      throw new DomainError('unauthenticated', 'accounts.invalid_credentials', {
        message: 'the current password is wrong',
      });
    }
    const password = normalizePassword(req.newPassword);
    assertAcceptablePassword(password, { email: account.email });
    const passwordHash = await d.hasher.hash(password);
    await d.store.transaction(async (tx) => {
      await tx.lockAccount(account.id);
      await replacePassword(d, tx, account, passwordHash, 'change', now, ctx);
    });
    return { accountId: account.id };
  });
