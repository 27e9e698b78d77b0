import { DomainError, RaOfficerDisabledV1, raRpc, rpcHandler, type RpcHandler } from '@idp/events';
import { officerAggregate, type ConsoleDeps } from '../console/deps.js';

/**
 * Serves `idp.rpc.registration-authority.disable_officer.v1` (`pnpm idp officer disable`): the
 * officer can no longer log in, and open console sessions end now rather than at their timeout.
 * Disabling a disabled officer changes nothing and emits nothing.
 */
export const disableOfficer = (
  d: Pick<ConsoleDeps, 'store' | 'clock' | 'event'>,
): RpcHandler<typeof raRpc.disableOfficer> =>
  rpcHandler(raRpc.disableOfficer, async (req, ctx) =>
    d.store.transaction(async (tx) => {
      const officer = await tx.lockOfficerByEmail(req.email);
      if (!officer)
        throw new DomainError('not_found', 'ra.officer_not_found', { message: 'no such officer' });
      if (!officer.disabledAt) {
        await tx.updateOfficer(officer.id, { disabledAt: d.clock.now() }, d.clock.now());
        await tx.deleteSessionsOf(officer.id);
        await tx.enqueue([
          d.event(
            RaOfficerDisabledV1,
            {
              aggregate: officerAggregate(officer.id),
              actor: { kind: 'admin' },
              data: { officerId: officer.id },
            },
            ctx,
          ),
        ]);
      }
      return { officerId: officer.id, disabled: true as const };
    }),
  );
