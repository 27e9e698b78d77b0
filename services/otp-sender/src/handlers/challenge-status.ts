import { otpRpc, rpcHandler } from '@idp/events';
import { destinationContext, loadChallenge, view, type Deps } from './deps.js';

/**
 * Serves idp.rpc.otp.status.v1: where the SMS stands (the login page says "could not be sent"), whose
 * and what for the challenge is, and, asked with a phone, whether the number proven is that one
 * (accounts binding a phone). The stored number is opened only for that comparison and never returned.
 */
export const challengeStatus = (d: Pick<Deps, 'store' | 'clock' | 'sealer'>) =>
  rpcHandler(otpRpc.status, async (req) => {
    const ch = (await loadChallenge(d.store, req.challengeId)).value;
    const base = view(ch, d.clock.now());
    if (req.phone === undefined) return base;
    const phone = d.sealer.open(ch.destinationSealed, destinationContext(ch.id));
    return { ...base, phoneMatches: phone === req.phone };
  });
