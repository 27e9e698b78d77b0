import { DomainError, accountsRpc, rpcHandler, type RpcHandler } from '@idp/events';
import type { Deps } from '../ports.js';

export const accountNotFound = () =>
  new DomainError('not_found', 'accounts.not_found', { message: 'no such account' });

/**
 * Serves `idp.rpc.accounts.get_attributes.v1`: everything releasable about the account. Which of
 * it reaches an SP is the gateway's decision, by the SP's policy.
 */
export const getAttributes = (d: Pick<Deps, 'store'>): RpcHandler<typeof accountsRpc.getAttributes> =>
  rpcHandler(accountsRpc.getAttributes, async (req) => {
    const a = await d.store.findById(req.accountId);
    if (!a) throw accountNotFound();
    const optional = {
      givenName: a.givenName,
      familyName: a.familyName,
      taxNumber: a.taxNumber,
      birthDate: a.birthDate,
      email: a.email,
    };
    return {
      accountId: a.id,
      smsPass: a.smsPass,
      attributes: Object.fromEntries(Object.entries(optional).filter(([, v]) => v !== null)),
    };
  });
