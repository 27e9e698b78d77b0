import {
  DomainError,
  accountsSmsPassRpc,
  activationRpc,
  otpRpc,
  rpcHandler,
  type RpcHandler,
} from '@idp/events';
import { complete, phoneConfirmationRefusal, phoneVerified } from '../domain/request.js';
import { requestContext, runCommand, view, type Deps } from './deps.js';

/**
 * Serves `idp.rpc.activation.confirm_phone.v1` in two transactions. First the SMS code is checked
 * at otp-sender and the proof recorded; then accounts binds the phone (idempotent by request id)
 * and the request completes. When the second step fails (accounts unreachable), the citizen's
 * retry skips the first: otp-sender would refuse the spent challenge, and the phone is proven.
 */
export const confirmPhone = (d: Deps): RpcHandler<typeof activationRpc.confirmPhone> =>
  rpcHandler(activationRpc.confirmPhone, async (req, ctx) => {
    const who = {
      requestId: req.requestId,
      accountId: req.accountId,
      actor: { kind: 'user' as const, id: req.accountId },
      cause: ctx.correlationId,
    };
    const rctx = requestContext(req.requestId, ctx.correlationId);
    const proven = await runCommand(d, who, async (r) => {
      const now = d.clock.now();
      const refused = phoneConfirmationRefusal(r, now);
      if (refused || r.phoneVerifiedAt) return refused;
      const verified = await d.rpc.call(
        otpRpc.verify,
        { challengeId: r.phoneChallengeId!, code: req.smsCode },
        rctx,
      );
      if (verified.accountId !== r.accountId) {
        throw new DomainError('internal', 'rpc.internal', {
          message: 'the SMS challenge belongs to another account',
        });
      }
      return phoneVerified(r, now);
    });
    if (proven.state !== 'phone_pending') return view(proven, d.policy);
    const after = await runCommand(d, who, async (r) => {
      // Another confirmation may have completed the request meanwhile.
      if (r.state !== 'phone_pending' || !r.phoneVerifiedAt) return undefined;
      await d.rpc.call(
        accountsSmsPassRpc.activateSmsPass,
        { accountId: r.accountId, requestId: r.id, phone: r.pendingPhone! },
        rctx,
      );
      return complete(r, d.clock.now());
    });
    ctx.log.info({ requestId: after.id, state: after.state }, 'phone confirmed');
    return view(after, d.policy);
  });
