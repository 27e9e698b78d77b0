import { activationRpc, rpcHandler, type RpcHandler } from '@idp/events';
import { correctionView, view, type Deps } from './deps.js';

/**
 * Serves `idp.rpc.activation.find_for_officer.v1` for the officer console (never the public edge):
 * activation requests and identity corrections side by side. A request number names one of the two
 * (`A-…` or `C-…`); an account or no number searches both.
 */
export const findForOfficer = (d: Deps): RpcHandler<typeof activationRpc.findForOfficer> =>
  rpcHandler(activationRpc.findForOfficer, async (req) => {
    const number = req.requestNumber;
    const common = {
      limit: req.limit,
      ...(number ? { requestNumber: number } : {}),
      ...(req.accountIds ? { accountIds: req.accountIds } : {}),
    };
    const [requests, corrections] = await Promise.all([
      number?.startsWith('C-')
        ? []
        : d.store.findForOfficer({ ...common, ...(req.state ? { state: req.state } : {}) }),
      number?.startsWith('A-')
        ? []
        : d.store.findCorrectionsForOfficer({
            ...common,
            ...(req.correctionState ? { state: req.correctionState } : {}),
          }),
    ]);
    return {
      requests: requests.map((r) => view(r, d.policy)),
      corrections: corrections.map(correctionView),
    };
  });
