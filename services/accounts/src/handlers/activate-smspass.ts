import { randomUUID } from 'node:crypto';
import { DomainError, accountsSmsPassRpc, rpcHandler, type RpcHandler } from '@idp/events';
import type { Deps } from '../ports.js';
import { accountNotFound } from './get-attributes.js';
import { applyTransition } from './lifecycle.js';

/**
 * Serves `idp.rpc.accounts.activate_smspass.v1`, called by activation once the citizen proved the
 * phone by SMS: the phone is stored verified and the state machine moves the account to
 * `smspass_active`, in one transaction with the record of the request, so a retried call (a lost
 * reply) changes nothing twice.
 */
export const activateSmsPass = (
  d: Pick<Deps, 'store' | 'clock' | 'event'>,
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
      if (account.lifecycle.state === 'suspended') {
        throw new DomainError('permission_denied', 'accounts.suspended', { message: 'account suspended' });
      }
      const actor = { kind: 'service' as const, id: 'activation' };
      let current = account;
      // The activation's idp.activation.requested.v1 may not have been consumed yet (or the account
      // was confirmed before activation existed): the request is applied first, as the state machine says.
      if (current.lifecycle.state === 'email_confirmed') {
        const lifecycle = await applyTransition(d, tx, current, { type: 'request_smspass' }, ctx, actor);
        current = { ...current, lifecycle };
      }
      if (current.lifecycle.state !== 'smspass_active') {
        await applyTransition(d, tx, current, { type: 'activate_smspass' }, ctx, actor);
      }
      // Already active (a second activation, e.g. a new phone proven the same way): the phone is bound.
      await tx.bindActivatedPhone({
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
