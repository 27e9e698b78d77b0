import { DomainError, activationRpc, rpcHandler, type RpcHandler } from '@idp/events';
import { openRequest } from '../domain/request.js';
import { ACTIVATION_REQUESTS, getAttributes, openRequestOf, view, type Deps } from './deps.js';

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
    const opened = await openRequestOf(
      d,
      ACTIVATION_REQUESTS,
      { actor: { kind: 'user', id: req.accountId }, cause: ctx.correlationId },
      (id, number) => openRequest({ id, number, accountId: req.accountId, path: req.path }, now, d.policy),
    );
    ctx.log.info({ requestId: opened.id, path: req.path }, 'activation requested');
    return view(opened, d.policy);
  });
