import { otpRpc, rpcHandler } from '@idp/events';
import { loadChallenge, view, type Deps } from './deps.js';

/** Serves idp.rpc.otp.status.v1: where the SMS stands, so the login page can say "could not be sent". */
export const challengeStatus = (d: Pick<Deps, 'store' | 'clock'>) =>
  rpcHandler(otpRpc.status, async (req) =>
    view((await loadChallenge(d.store, req.challengeId)).value, d.clock.now()),
  );
