import { DomainError, notaryRpc, rpcHandler, type RpcHandler } from '@idp/events';
import type { StatsProjection } from '../stats-projection.js';

/** Serves idp.rpc.notary.stats.v1 from this instance's live projection. */
export const statsHandler = (projection: StatsProjection): RpcHandler<typeof notaryRpc.stats> =>
  rpcHandler(notaryRpc.stats, (req) => {
    // Partial counts would look like real ones: refuse until the replay at start-up is complete.
    if (!projection.isCaughtUp())
      return Promise.reject(
        new DomainError('unavailable', 'notary.catching_up', {
          message: `still reading the log (through seq ${projection.lastSeq()})`,
        }),
      );
    return Promise.resolve(projection.view(req.period));
  });
