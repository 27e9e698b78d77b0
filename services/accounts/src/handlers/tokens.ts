import { AccountTokenRejectedV1, DomainError, type RpcContext } from '@idp/events';
import { tokenProblem } from '../domain/token.js';
import type { AccountTransaction, Deps, TokenPurpose, TokenRow } from '../ports.js';
import { accountAggregate } from './events.js';

/** One answer for an unknown, used or expired link: the page offers a new one either way. */
export const invalidToken = () =>
  new DomainError('invalid_argument', 'accounts.invalid_token', {
    message: 'the link is unknown, already used or expired',
  });

/**
 * Locks the token row and returns it if it can be spent now; otherwise records the refusal (event
 * in this transaction) and returns undefined, for the caller to commit and then refuse.
 */
export async function takeToken(
  d: Pick<Deps, 'event'>,
  tx: AccountTransaction,
  hash: Buffer,
  purpose: TokenPurpose,
  now: Date,
  ctx: RpcContext,
): Promise<TokenRow | undefined> {
  const row = await tx.lockToken(hash);
  const problem = tokenProblem(row, purpose, now);
  if (!problem) return row;
  await tx.enqueue([
    rejected(d, ctx, purpose, problem, row?.purpose === purpose ? row.accountId : undefined),
  ]);
  return undefined;
}

export const rejected = (
  d: Pick<Deps, 'event'>,
  ctx: RpcContext,
  purpose: TokenPurpose,
  reason: 'unknown' | 'used' | 'expired' | 'state',
  accountId: string | undefined,
) =>
  d.event(
    AccountTokenRejectedV1,
    {
      // An unknown link belongs to no account: filed under the request, like an unknown login name.
      aggregate: accountId ? accountAggregate(accountId) : { type: 'link', id: ctx.correlationId },
      actor: { kind: 'anonymous' },
      data: { ...(accountId ? { accountId } : {}), purpose, reason },
    },
    ctx,
  );
