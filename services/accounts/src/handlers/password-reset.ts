import { AccountPasswordResetRequestedV1, accountsRpc, rpcHandler, type RpcHandler } from '@idp/events';
import { may } from '../domain/account-state.js';
import { parseEmail } from '../domain/email.js';
import { assertAcceptablePassword, normalizePassword } from '../domain/password.js';
import { hashToken, newToken } from '../domain/token.js';
import type { Deps } from '../ports.js';
import { accountAggregate } from './events.js';
import { replacePassword } from './replace-password.js';
import { invalidToken, rejected, takeToken } from './tokens.js';

/**
 * Serves `idp.rpc.accounts.request_password_reset.v1`. The answer is the same for every address,
 * valid or not, with an account or without; only the mailbox of a live, confirmed account gets a
 * link. A new link spends the older ones.
 */
export const requestPasswordReset = (d: Deps): RpcHandler<typeof accountsRpc.requestPasswordReset> =>
  rpcHandler(accountsRpc.requestPasswordReset, async (req, ctx) => {
    const answer = { next: 'check_email' as const };
    let email: string;
    try {
      email = parseEmail(req.email);
    } catch {
      return answer;
    }
    const now = d.clock.now();
    const { token, hash } = newToken();
    await d.store.transaction(async (tx) => {
      const account = await tx.lockAccountByEmail(email);
      if (!account || !may(account.lifecycle.state, 'reset_password')) return;
      await tx.spendTokens(account.id, 'password_reset', now);
      await tx.insertToken({
        hash,
        accountId: account.id,
        purpose: 'password_reset',
        expiresAt: new Date(now.getTime() + d.registration.passwordResetTtlMs),
        usedAt: null,
        createdAt: now,
      });
      await tx.enqueue([
        d.event(
          AccountPasswordResetRequestedV1,
          {
            aggregate: accountAggregate(account.id),
            actor: { kind: 'anonymous' },
            data: { accountId: account.id },
          },
          ctx,
        ),
        d.mail.job(
          {
            accountId: account.id,
            template: 'password_reset',
            language: req.language ?? account.language,
            to: account.email,
            params: { token },
          },
          ctx,
        ),
      ]);
    });
    return answer;
  });

/** Serves `idp.rpc.accounts.reset_password.v1`: spends the link and sets the new password. */
export const resetPassword = (d: Deps): RpcHandler<typeof accountsRpc.resetPassword> =>
  rpcHandler(accountsRpc.resetPassword, async (req, ctx) => {
    const now = d.clock.now();
    const password = normalizePassword(req.newPassword);
    const tokenHash = hashToken(req.token);
    // The account's name is part of the password rule: read it first, so the hash (~15 ms) is
    // computed before the transaction and not while the rows are locked.
    const peek = await d.store.transaction(async (tx) => {
      const row = await tx.lockToken(tokenHash);
      return row ? await tx.lockAccount(row.accountId) : undefined;
    });
    if (peek) assertAcceptablePassword(password, { email: peek.email });
    const passwordHash = peek ? await d.hasher.hash(password) : undefined;

    const accountId = await d.store.transaction(async (tx) => {
      const token = await takeToken(d, tx, tokenHash, 'password_reset', now, ctx);
      if (!token || !passwordHash) return undefined;
      const account = await tx.lockAccount(token.accountId);
      if (!account || !may(account.lifecycle.state, 'reset_password')) {
        await tx.enqueue([rejected(d, ctx, 'password_reset', 'state', token.accountId)]);
        return undefined;
      }
      await replacePassword(d, tx, account, passwordHash, 'reset', now, ctx);
      return account.id;
    });
    if (!accountId) throw invalidToken();
    return { accountId };
  });
