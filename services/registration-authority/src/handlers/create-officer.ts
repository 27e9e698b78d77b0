import { randomUUID } from 'node:crypto';
import { DomainError, RaOfficerCreatedV1, raRpc, rpcHandler, type RpcHandler } from '@idp/events';
import { officerAggregate, type ConsoleDeps } from '../console/deps.js';

/** NIST SP 800-63B: at least 8; officers hold a powerful role, so 12 as for citizens. */
const MIN_PASSWORD_LENGTH = 12;

/**
 * Serves `idp.rpc.registration-authority.create_officer.v1` (`pnpm idp officer create`): a new
 * officer, who enrols an authenticator app at the first login.
 */
export const createOfficer = (
  d: Pick<ConsoleDeps, 'store' | 'hasher' | 'clock' | 'event'>,
): RpcHandler<typeof raRpc.createOfficer> =>
  rpcHandler(raRpc.createOfficer, async (req, ctx) => {
    if ([...req.password].length < MIN_PASSWORD_LENGTH) {
      throw new DomainError('invalid_argument', 'ra.weak_password', {
        message: `must be at least ${MIN_PASSWORD_LENGTH} characters`,
      });
    }
    const officerId = randomUUID();
    const passwordHash = await d.hasher.hash(req.password);
    await d.store.transaction(async (tx) => {
      await tx.insertOfficer(
        { id: officerId, email: req.email, displayName: req.displayName, passwordHash },
        d.clock.now(),
      );
      await tx.enqueue([
        d.event(
          RaOfficerCreatedV1,
          { aggregate: officerAggregate(officerId), actor: { kind: 'admin' }, data: { officerId } },
          ctx,
        ),
      ]);
    });
    return { officerId };
  });
