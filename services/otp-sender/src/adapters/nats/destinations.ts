import { accountsRpc, openOtpDestination, type RpcClient, type Sealer } from '@idp/events';
import type { Clock, Destinations } from '../../ports.js';

/**
 * The account's verified phone: from the destination accounts sealed at the password step when it
 * opens with `OTP_DESTINATION_KEY` for this account and is fresh, else asked of accounts (it owns
 * the number).
 */
export function accountsDestinations(
  rpc: RpcClient,
  sealed?: { sealer: Sealer; clock: Clock; outcome(o: 'opened' | 'refused'): void },
): Destinations {
  return {
    forAccount(accountId, ctx, destination) {
      if (destination !== undefined && sealed) {
        const opened = openOtpDestination(sealed.sealer, destination, accountId, sealed.clock.now());
        sealed.outcome(opened ? 'opened' : 'refused');
        if (opened) return Promise.resolve(opened);
      }
      return rpc.call(accountsRpc.getOtpDestination, { accountId }, ctx);
    },
  };
}
