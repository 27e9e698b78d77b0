import { activationRpc, otpRpc, rpcHandler, type RpcHandler } from '@idp/events';
import { activationCodeMatches } from '../domain/code.js';
import { codeEntryRefusal, enterCode as enterCodeCommand } from '../domain/request.js';
import { requestContext, runCommand, view, type Deps } from './deps.js';

/**
 * Serves `idp.rpc.activation.enter_code.v1`. A right code has otp-sender send an SMS code to the
 * phone (purpose `bind_phone`) while the request row is locked: two concurrent entries on one
 * request are then decided one after the other, so five tries mean five. otp-sender refusing the
 * phone (not allowed, rate limited) rolls back and nothing is counted.
 */
export const enterCode = (d: Deps): RpcHandler<typeof activationRpc.enterCode> =>
  rpcHandler(activationRpc.enterCode, async (req, ctx) => {
    const now = d.clock.now();
    const after = await runCommand(
      d,
      {
        requestId: req.requestId,
        accountId: req.accountId,
        actor: { kind: 'user', id: req.accountId },
        cause: ctx.correlationId,
      },
      async (r) => {
        const refused = codeEntryRefusal(r, now);
        if (refused) return refused;
        const matches = r.codeHash !== null && activationCodeMatches(d.codeKey, r.id, req.code, r.codeHash);
        if (!matches) return enterCodeCommand(r, { matches: false }, now, d.policy);
        const challenge = await d.rpc.call(
          otpRpc.issue,
          { accountId: r.accountId, serviceName: d.smsServiceName, purpose: 'bind_phone', phone: req.phone },
          requestContext(r.id, ctx.correlationId),
        );
        return enterCodeCommand(
          r,
          { matches: true, phone: req.phone, challengeId: challenge.challengeId },
          now,
          d.policy,
        );
      },
    );
    return view(after, d.policy);
  });
