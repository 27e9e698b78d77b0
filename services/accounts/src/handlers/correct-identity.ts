import { DomainError, accountsCorrectionRpc, rpcHandler, type RpcHandler } from '@idp/events';
import { assertMay } from '../domain/account-state.js';
import type { CorrectedFieldName, Deps } from '../ports.js';
import { accountNotFound } from './get-attributes.js';
import { addressValue, personalDataChanged, type PersonalDataChange } from './person-keys.js';

/**
 * Serves `idp.rpc.accounts.correct_identity.v1`, called by activation once a correction is approved
 * (an officer checked the ID document, or a qualified certificate carried the names). In one
 * transaction: the state machine says whether the account may take it, the names and address are
 * written, the correction is recorded under its request id (so a retried call changes nothing
 * twice), `personal_data_changed` carries the new values encrypted under the person's key, and the
 * account's address is told by e-mail (which fields, not the values).
 */
export const correctIdentity = (
  d: Pick<Deps, 'store' | 'clock' | 'event' | 'mail' | 'personKeys'>,
): RpcHandler<typeof accountsCorrectionRpc.correctIdentity> =>
  rpcHandler(accountsCorrectionRpc.correctIdentity, async (req, ctx) => {
    const address = req.address && { ...req.address, country: req.address.country.toUpperCase() };
    const changes: (PersonalDataChange & { field: CorrectedFieldName })[] = [
      ...(req.givenName !== undefined ? [{ field: 'given_name' as const, value: req.givenName }] : []),
      ...(req.familyName !== undefined ? [{ field: 'family_name' as const, value: req.familyName }] : []),
      ...(address ? [{ field: 'address' as const, value: addressValue(address) }] : []),
    ];
    const fields = changes.map((c) => c.field);
    if (fields.length === 0)
      throw new DomainError('invalid_argument', 'rpc.invalid_request', { message: 'nothing to correct' });
    const now = d.clock.now();
    return d.store.transaction(async (tx) => {
      const account = await tx.lockAccount(req.accountId);
      if (!account || account.lifecycle.state === 'erased') throw accountNotFound();
      const done = await tx.findIdentityCorrection(req.requestId);
      if (done) {
        if (done.accountId !== req.accountId)
          throw new DomainError('invalid_argument', 'rpc.invalid_request', {
            message: 'the request corrected another account',
          });
        return { accountId: req.accountId, changed: fields };
      }
      assertMay(account.lifecycle.state, 'correct_identity', 'identity data cannot change');
      await tx.correctIdentity({
        requestId: req.requestId,
        accountId: account.id,
        givenName: req.givenName,
        familyName: req.familyName,
        address,
        fields,
        now,
      });
      await tx.enqueue([
        await personalDataChanged(
          d,
          tx,
          { accountId: account.id, changes, now, actor: { kind: 'service', id: 'activation' } },
          ctx,
        ),
        d.mail.job(
          {
            accountId: account.id,
            template: 'identity_corrected',
            language: account.language,
            to: account.email,
            params: { fields: fields.join(',') },
          },
          ctx,
        ),
      ]);
      ctx.log.info({ accountId: account.id, requestId: req.requestId, fields }, 'identity corrected');
      return { accountId: req.accountId, changed: fields };
    });
  });
