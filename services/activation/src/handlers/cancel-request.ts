import { activationRpc, rpcHandler, type RpcHandler } from '@idp/events';
import { cancelRequest } from '../domain/request.js';
import { runCommand, view, type Deps } from './deps.js';

/** Serves `idp.rpc.activation.cancel.v1`: the citizen withdraws an open request. */
export const cancel = (d: Deps): RpcHandler<typeof activationRpc.cancel> =>
  rpcHandler(activationRpc.cancel, async (req, ctx) => {
    const after = await runCommand(
      d,
      {
        requestId: req.requestId,
        accountId: req.accountId,
        actor: { kind: 'user', id: req.accountId },
        cause: ctx.correlationId,
      },
      (r) => cancelRequest(r, d.clock.now()),
    );
    return view(after, d.policy);
  });
