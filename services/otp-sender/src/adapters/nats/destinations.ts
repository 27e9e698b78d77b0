import { accountsRpc, type RpcClient } from '@idp/events';
import type { Destinations } from '../../ports.js';

/** The account's verified phone, asked of the accounts service each time (it owns the number). */
export function accountsDestinations(rpc: RpcClient): Destinations {
  return {
    forAccount: (accountId, ctx) => rpc.call(accountsRpc.getOtpDestination, { accountId }, ctx),
  };
}
