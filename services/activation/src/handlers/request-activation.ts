import { randomUUID } from 'node:crypto';
import { DomainError, activationRpc, rpcHandler, type RpcHandler } from '@idp/events';
import { openRequest } from '../domain/request.js';
import { RequestNumberTaken } from '../ports.js';
import { getAttributes, requestContext, view, type Deps } from './deps.js';

/**
 * Serves `idp.rpc.activation.request.v1`: the logged-in citizen asks for smsPASS. accounts is asked
 * whether smsPASS is already on and whether the chosen path has what it needs (path `certificate`:
 * a tax number to compare with the certificate and an address for the letter).
 */
export const requestActivation = (d: Deps): RpcHandler<typeof activationRpc.request> =>
  rpcHandler(activationRpc.request, async (req, ctx) => {
    const attrs = await getAttributes(d, req.accountId, { correlationId: ctx.correlationId });
    if (attrs.smsPass === 'active')
      throw new DomainError('already_exists', 'activation.request_exists', {
        message: 'smsPASS is already active',
      });
    if (attrs.smsPass === 'suspended')
      throw new DomainError('precondition', 'activation.invalid_transition', {
        message: 'smsPASS is suspended',
      });
    const missing =
      req.path === 'certificate'
        ? (['taxNumber', 'address'] as const).filter((k) => !attrs.attributes[k])
        : (['email'] as const).filter((k) => !attrs.attributes[k]);
    if (missing.length > 0) {
      throw new DomainError('precondition', 'activation.personal_data_incomplete', {
        message: `the account has no ${missing.join(', ')}`,
      });
    }
    const now = d.clock.now();
    for (let attempt = 1; ; attempt++) {
      const id = randomUUID();
      const decision = openRequest(
        { id, number: d.generateRequestNumber(), accountId: req.accountId, path: req.path },
        now,
        d.policy,
      );
      const ectx = requestContext(id, ctx.correlationId);
      try {
        await d.store.transaction(async (tx) => {
          await tx.insert(decision.request);
          await tx.enqueue(
            decision.events.map((e) =>
              d.event(
                e.def,
                {
                  aggregate: { type: 'activation_request', id },
                  actor: { kind: 'user', id: req.accountId },
                  data: e.data,
                },
                ectx,
              ),
            ),
          );
        });
        ctx.log.info({ requestId: id, path: req.path }, 'activation requested');
        return view(decision.request, d.policy);
      } catch (err) {
        if (!(err instanceof RequestNumberTaken) || attempt >= 3) throw err;
      }
    }
  });
