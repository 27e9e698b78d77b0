import { isDomainError, otpRpc, rpcHandler } from '@idp/events';
import { verificationError, verify } from '../domain/challenge.js';
import { codeMatches } from '../domain/code.js';
import { mutate, type Deps } from './deps.js';

/** Serves idp.rpc.otp.verify.v1: a code is accepted once; wrong ones spend the challenge's tries. */
export const verifyCode = (d: Deps) =>
  rpcHandler(otpRpc.verify, async (req, ctx) => {
    let result;
    try {
      result = await mutate(d.store, req.challengeId, (ch) =>
        verify(ch, () => codeMatches(d.keys.codeHmac, ch.id, req.code, ch.codeHmac), d.clock.now()),
      );
    } catch (err) {
      if (isDomainError(err) && err.code === 'otp.challenge_not_found') d.metrics.verification('not_found');
      throw err;
    }
    const { after, events } = result;
    await d.events.publish(after, events, ctx);
    const error = verificationError(events);
    const failure = events.find((e) => e.type === 'verification_failed');
    d.metrics.verification(error ? (failure?.reason ?? 'wrong_code') : 'verified');
    if (error) {
      ctx.log.info(
        { challengeId: after.id, errorCode: error.code, attemptsUsed: after.attempts },
        'code refused',
      );
      throw error;
    }
    ctx.log.info({ challengeId: after.id }, 'code verified');
    return { verified: true as const, accountId: after.accountId };
  });
