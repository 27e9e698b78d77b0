import {
  RaCorrectionApprovedV1,
  RaCorrectionRejectedV1,
  RaIdentityConfirmedV1,
  RaRequestRejectedV1,
  isDomainError,
  on,
  type DeliveryContext,
  type Envelope,
  type MessageHandler,
} from '@idp/events';
import { activationCodeHash } from '../domain/code.js';
import { rejectCorrection } from '../domain/correction.js';
import { confirmIdentity, rejectRequest, type Decision } from '../domain/request.js';
import type { RequestTransaction } from '../ports.js';
import { approveAndApply } from './corrections.js';
import {
  ACTIVATION_REQUESTS,
  CORRECTIONS,
  getAttributes,
  requestContext,
  runRequestCommand,
  type Deps,
  type RequestKind,
} from './deps.js';

/** Durable consumer name; also the key of its records in `processed_messages`. */
export const RA_CONSUMER = 'activation-ra';

/**
 * Applies an officer's decision on an activation request or a correction once: the envelope id is
 * recorded in the same transaction as the change (processOnce), so a redelivery changes nothing. A
 * decision the request can no longer take (cancelled or expired meanwhile, an unknown request, or a
 * correction accounts refuses for the account's state) is recorded and dropped, not retried.
 */
async function applyOnce<R extends { id: string; accountId: string; state: string }>(
  d: Deps,
  kind: RequestKind<R>,
  env: Envelope<{ requestId: string; accountId: string; officerId: string }>,
  dctx: DeliveryContext,
  decide: (r: R, tx: RequestTransaction) => Promise<Decision<R>> | Decision<R>,
): Promise<void> {
  let duplicate = false;
  try {
    await runRequestCommand(
      d,
      kind,
      {
        requestId: env.data.requestId,
        accountId: env.data.accountId,
        actor: { kind: 'admin', id: env.data.officerId },
        cause: env.id,
      },
      async (r, tx) => {
        if (!(await tx.processOnce(RA_CONSUMER, env.id))) {
          duplicate = true;
          return undefined;
        }
        return decide(r, tx);
      },
    );
  } catch (err) {
    if (!isDomainError(err) || !['not_found', 'precondition'].includes(err.kind)) throw err;
    // Recorded in its own transaction, since the refused one rolled back.
    await d.store.transaction((tx) => tx.processOnce(RA_CONSUMER, env.id));
    dctx.log.warn(
      { requestId: env.data.requestId, errorCode: err.code },
      'officer decision not applicable; dropped',
    );
    return;
  }
  if (duplicate) dctx.log.debug({ requestId: env.data.requestId }, 'officer decision already applied');
}

/** `idp.ra.identity_confirmed.v1`: a fresh activation code goes to the account's e-mail address. */
export const onIdentityConfirmed = (d: Deps): MessageHandler<typeof RaIdentityConfirmedV1> =>
  on(RaIdentityConfirmedV1, async (env, dctx) => {
    const attrs = await getAttributes(d, env.data.accountId, requestContext(env.data.requestId, env.id));
    const email = attrs.attributes.email;
    await applyOnce(d, ACTIVATION_REQUESTS, env, dctx, async (r, tx) => {
      const now = d.clock.now();
      const code = d.generateCode();
      const decision = confirmIdentity(r, activationCodeHash(d.codeKey, r.id, code), now, d.policy);
      if (decision.refusal) return decision;
      if (!email) throw new Error('the account has no e-mail address for the activation code');
      // In the transaction: the code's hash and its mail job commit together or not at all.
      const job = d.mailer.activationCode(
        {
          accountId: r.accountId,
          requestId: r.id,
          requestNumber: r.number,
          email,
          code,
          expiresAt: decision.request.expiresAt!,
          lang: d.mailLanguage,
        },
        requestContext(r.id, env.id),
      );
      await tx.enqueue([job]);
      return decision;
    });
  });

/** `idp.ra.request_rejected.v1`: the request ends as rejected, with the officer's reason. */
export const onRequestRejected = (d: Deps): MessageHandler<typeof RaRequestRejectedV1> =>
  on(RaRequestRejectedV1, (env, dctx) =>
    applyOnce(d, ACTIVATION_REQUESTS, env, dctx, (r) =>
      rejectRequest(r, { officerId: env.data.officerId, reason: env.data.reason }, d.clock.now()),
    ),
  );

/** `idp.ra.correction_approved.v1`: accounts applies the correction and it ends as approved. */
export const onCorrectionApproved = (d: Deps): MessageHandler<typeof RaCorrectionApprovedV1> =>
  on(RaCorrectionApprovedV1, (env, dctx) =>
    applyOnce(d, CORRECTIONS, env, dctx, (r) =>
      approveAndApply(d, r, { via: 'officer', officerId: env.data.officerId }, env.id),
    ),
  );

/** `idp.ra.correction_rejected.v1`: the correction ends as rejected, with the officer's reason. */
export const onCorrectionRejected = (d: Deps): MessageHandler<typeof RaCorrectionRejectedV1> =>
  on(RaCorrectionRejectedV1, (env, dctx) =>
    applyOnce(d, CORRECTIONS, env, dctx, (r) =>
      rejectCorrection(r, { officerId: env.data.officerId, reason: env.data.reason }, d.clock.now()),
    ),
  );

/** The consumer's handlers, one per officer decision. */
export const raHandlers = (d: Deps): MessageHandler[] => [
  onIdentityConfirmed(d),
  onRequestRejected(d),
  onCorrectionApproved(d),
  onCorrectionRejected(d),
];
