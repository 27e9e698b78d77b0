import { activationRpc, rpcHandler, type RpcHandler } from '@idp/events';
import { view, type Deps } from './deps.js';

/** Serves `idp.rpc.activation.find_for_officer.v1` for the officer console (never the public edge). */
export const findForOfficer = (d: Deps): RpcHandler<typeof activationRpc.findForOfficer> =>
  rpcHandler(activationRpc.findForOfficer, async (req) => {
    const requests = await d.store.findForOfficer({
      limit: req.limit,
      ...(req.requestNumber ? { requestNumber: req.requestNumber } : {}),
      ...(req.accountIds ? { accountIds: req.accountIds } : {}),
      ...(req.state ? { state: req.state } : {}),
    });
    return { requests: requests.map((r) => view(r, d.policy)) };
  });
