import { DomainError, accountsRpc, formatAddressLine, rpcHandler, type RpcHandler } from '@idp/events';
import type { Deps } from '../ports.js';

export const accountNotFound = () =>
  new DomainError('not_found', 'accounts.not_found', { message: 'no such account' });

/**
 * Serves `idp.rpc.accounts.get_attributes.v1`: everything releasable about the account. Which of
 * it reaches an SP is the gateway's decision, by the SP's policy.
 */
export const getAttributes = (d: Pick<Deps, 'store'>): RpcHandler<typeof accountsRpc.getAttributes> =>
  rpcHandler(accountsRpc.getAttributes, async (req) => {
    const p = await d.store.findForAttributes(req.accountId);
    if (!p || p.account.lifecycle.state === 'erased') throw accountNotFound();
    const a = p.account;
    const optional = {
      givenName: a.givenName,
      familyName: a.familyName,
      taxNumber: a.taxNumber,
      birthDate: a.birthDate,
      email: a.email,
      address: p.address ? formatAddressLine(p.address) : null,
    };
    return {
      accountId: a.id,
      smsPass: a.smsPass,
      attributes: Object.fromEntries(Object.entries(optional).filter(([, v]) => v !== null)),
    };
  });
