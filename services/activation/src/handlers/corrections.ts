import {
  DomainError,
  accountsCorrectionRpc,
  accountsRpc,
  correctionRpc,
  rpcHandler,
  type RpcHandler,
} from '@idp/events';
import {
  approveCorrection,
  cancelCorrection,
  certificateNamesMatch,
  namesAfter,
  refuseCorrectionCertificate,
  submitCorrection,
  type Approval,
  type CorrectionDecision,
  type CorrectionRequest,
} from '../domain/correction.js';
import {
  CORRECTIONS,
  checkPresented,
  correctionView,
  getAttributes,
  openRequestOf,
  requestContext,
  runCorrectionCommand,
  type Deps,
} from './deps.js';

/**
 * Approves a correction and has accounts apply it, inside the caller's transaction with the row
 * locked: accounts is idempotent by request id, so when this transaction does not commit, the retry
 * (the citizen's, or the consumer's redelivery) applies nothing twice. A correction past its
 * deadline only expires, and accounts is not asked.
 */
export async function approveAndApply(
  d: Deps,
  r: CorrectionRequest,
  approval: Approval,
  cause: string,
): Promise<CorrectionDecision> {
  const decision = approveCorrection(r, approval, d.clock.now());
  if (decision.request.state !== 'approved') return decision;
  await d.rpc.call(
    accountsCorrectionRpc.correctIdentity,
    { accountId: r.accountId, requestId: r.id, ...r.proposed },
    requestContext(r.id, cause),
  );
  return decision;
}

/**
 * Serves `idp.rpc.activation.request_correction.v1`: the logged-in citizen asks for a corrected
 * name or permanent address. accounts says what is on record; only what differs is kept.
 */
export const requestCorrection = (d: Deps): RpcHandler<typeof correctionRpc.requestCorrection> =>
  rpcHandler(correctionRpc.requestCorrection, async (req, ctx) => {
    const current = await d.rpc.call(
      accountsRpc.getPersonalData,
      { accountId: req.accountId },
      { correlationId: ctx.correlationId },
    );
    const now = d.clock.now();
    const { givenName, familyName, address } = req;
    const opened = await openRequestOf(
      d,
      CORRECTIONS,
      { actor: { kind: 'user', id: req.accountId }, cause: ctx.correlationId },
      (id, number) =>
        submitCorrection(
          {
            id,
            number,
            accountId: req.accountId,
            path: req.path,
            proposed: { givenName, familyName, address },
            current: {
              givenName: current.givenName,
              familyName: current.familyName,
              address: current.address,
            },
          },
          now,
          d.policy,
        ),
    );
    ctx.log.info({ requestId: opened.id, path: opened.path, fields: opened.fields }, 'correction submitted');
    return correctionView(opened);
  });

/** Serves `idp.rpc.activation.get_correction.v1`: the citizen's newest correction, open or finished. */
export const getCorrection = (d: Deps): RpcHandler<typeof correctionRpc.getCorrection> =>
  rpcHandler(correctionRpc.getCorrection, async (req) => {
    const c = await d.store.findLatestCorrection(req.accountId);
    return c ? { correction: correctionView(c) } : {};
  });

/** Serves `idp.rpc.activation.cancel_correction.v1`: the citizen withdraws a submitted correction. */
export const cancelCorrectionHandler = (d: Deps): RpcHandler<typeof correctionRpc.cancelCorrection> =>
  rpcHandler(correctionRpc.cancelCorrection, async (req, ctx) =>
    correctionView(
      await runCorrectionCommand(
        d,
        {
          requestId: req.requestId,
          accountId: req.accountId,
          actor: { kind: 'user', id: req.accountId },
          cause: ctx.correlationId,
        },
        (r) => cancelCorrection(r, d.clock.now()),
      ),
    ),
  );

/**
 * Serves `idp.rpc.activation.present_correction_certificate.v1` (path `certificate`): the checks of
 * activation path B — trusted CA, validity, CRL, the account's tax number — then the subject's
 * given name and surname must be the ones the account will have. Then accounts applies the
 * correction. The certificate is checked before the correction is locked (as for activation).
 */
export const presentCorrectionCertificate = (
  d: Deps,
): RpcHandler<typeof correctionRpc.presentCorrectionCertificate> =>
  rpcHandler(correctionRpc.presentCorrectionCertificate, async (req, ctx) => {
    const { attributes } = await getAttributes(
      d,
      req.accountId,
      requestContext(req.requestId, ctx.correlationId),
    );
    if (!attributes.taxNumber)
      throw new DomainError('precondition', 'activation.personal_data_incomplete', {
        message: 'the account has no tax number',
      });
    const now = d.clock.now();
    const check = await checkPresented(d, req, attributes.taxNumber, now, ctx.log);
    const after = await runCorrectionCommand(
      d,
      {
        requestId: req.requestId,
        accountId: req.accountId,
        actor: { kind: 'user', id: req.accountId },
        cause: ctx.correlationId,
      },
      async (r) => {
        if (!check.ok) {
          ctx.log.info(
            { requestId: r.id, reason: check.reason, detail: check.detail },
            'certificate refused',
          );
          return refuseCorrectionCertificate(r, check.reason, now);
        }
        const current = { givenName: attributes.givenName, familyName: attributes.familyName };
        if (!certificateNamesMatch(check, namesAfter(r, current))) {
          // Never the names themselves in the log.
          ctx.log.info({ requestId: r.id, reason: 'name_mismatch' }, 'certificate refused');
          return refuseCorrectionCertificate(r, 'name_mismatch', now);
        }
        return approveAndApply(
          d,
          r,
          { via: 'certificate', certificate: { issuer: check.issuer, serialNumber: check.serialNumber } },
          ctx.correlationId,
        );
      },
    );
    return correctionView(after);
  });

/** The correction RPCs this service answers. */
export const correctionHandlers = (d: Deps): RpcHandler[] => [
  requestCorrection(d),
  getCorrection(d),
  cancelCorrectionHandler(d),
  presentCorrectionCertificate(d),
];
