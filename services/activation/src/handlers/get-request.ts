import { activationRpc, rpcHandler, type RpcHandler } from '@idp/events';
import { view, type Deps } from './deps.js';

/** Serves `idp.rpc.activation.get.v1`: the citizen's newest request, open or finished. */
export const getRequest = (d: Deps): RpcHandler<typeof activationRpc.get> =>
  rpcHandler(activationRpc.get, async (req) => {
    const r = await d.store.findLatestForAccount(req.accountId);
    return r ? { request: view(r, d.policy) } : {};
  });
