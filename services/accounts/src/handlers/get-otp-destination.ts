import { DomainError, accountsRpc, rpcHandler, type RpcHandler } from '@idp/events';
import { maskPhone } from '../domain/phone.js';
import type { Deps } from '../ports.js';
import { accountNotFound } from './get-attributes.js';

/**
 * Serves `idp.rpc.accounts.get_otp_destination.v1`: the verified phone of an account whose smsPASS
 * is active. The full number leaves this service only in this reply, to otp-sender.
 */
export const getOtpDestination = (d: Pick<Deps, 'store'>): RpcHandler<typeof accountsRpc.getOtpDestination> =>
  rpcHandler(accountsRpc.getOtpDestination, async (req) => {
    const a = await d.store.findById(req.accountId);
    if (!a) throw accountNotFound();
    if (a.smsPass !== 'active') {
      throw new DomainError('precondition', 'accounts.smspass_not_active', {
        message: `smsPASS is ${a.smsPass}, not active`,
      });
    }
    const phone = await d.store.findVerifiedPhone(a.id);
    if (!phone) {
      throw new DomainError('precondition', 'accounts.no_verified_phone', {
        message: 'smsPASS is active but no verified phone is on record',
      });
    }
    return { phone, phoneHint: maskPhone(phone) };
  });
