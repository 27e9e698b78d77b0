import { randomUUID } from 'node:crypto';
import { DomainError, accountsSmsPassRpc, rpcHandler, type RpcHandler } from '@idp/events';
import type { Deps } from '../ports.js';
import { accountNotFound } from './get-attributes.js';

/**
 * Serves `idp.rpc.accounts.activate_smspass.v1`, called by activation once the citizen proved the
 * phone by SMS: the phone is stored verified and smsPASS becomes active, in one transaction with
 * the record of the request, so a retried call (a lost reply) changes nothing twice.
 *
 * Minimal on purpose: the account state machine takes this transition over (and decides which
 * smsPASS states may become active) when it lands.
 */
export const activateSmsPass = (
  d: Pick<Deps, 'store' | 'clock'>,
): RpcHandler<typeof accountsSmsPassRpc.activateSmsPass> =>
  rpcHandler(accountsSmsPassRpc.activateSmsPass, async (req, ctx) => {
    await d.store.transaction(async (tx) => {
      const account = await tx.lockAccount(req.accountId);
      if (!account) throw accountNotFound();
      const done = await tx.findSmsPassActivation(req.requestId);
      if (done) {
        if (done.accountId !== req.accountId) {
          throw new DomainError('invalid_argument', 'rpc.invalid_request', {
            message: 'the request activated another account',
          });
        }
        return;
      }
      if (account.suspendedAt || account.smsPass === 'suspended') {
        throw new DomainError('permission_denied', 'accounts.suspended', { message: 'account suspended' });
      }
      await tx.activateSmsPass({
        requestId: req.requestId,
        accountId: req.accountId,
        e164: req.phone,
        phoneId: randomUUID(),
        now: d.clock.now(),
      });
      ctx.log.info({ accountId: req.accountId, requestId: req.requestId }, 'smsPASS activated');
    });
    return { accountId: req.accountId, smsPass: 'active' as const };
  });
