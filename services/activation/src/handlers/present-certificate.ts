import { randomUUID } from 'node:crypto';
import { DomainError, activationRpc, rpcHandler, splitAddressLine, type RpcHandler } from '@idp/events';
import { activationCodeHash } from '../domain/code.js';
import { acceptCertificate, refuseCertificate } from '../domain/request.js';
import { checkPresented, getAttributes, requestContext, runCommand, view, type Deps } from './deps.js';

/**
 * Serves `idp.rpc.activation.present_certificate.v1` (path `certificate`). The certificate is
 * checked before the request is locked (it needs no lock, and a slow check should not hold one);
 * on success the letter's PDF is written, then the request and the print-queue row commit together.
 * A PDF whose transaction fails is removed again.
 */
export const presentCertificate = (d: Deps): RpcHandler<typeof activationRpc.presentCertificate> =>
  rpcHandler(activationRpc.presentCertificate, async (req, ctx) => {
    const attrs = await getAttributes(d, req.accountId, requestContext(req.requestId, ctx.correlationId));
    const { taxNumber, address, givenName, familyName } = attrs.attributes;
    if (!taxNumber || !address) {
      throw new DomainError('precondition', 'activation.personal_data_incomplete', {
        message: 'the account has no tax number or address',
      });
    }
    const now = d.clock.now();
    const check = await checkPresented(d, req, taxNumber, now, ctx.log);
    let written: string | undefined;
    try {
      const after = await runCommand(
        d,
        {
          requestId: req.requestId,
          accountId: req.accountId,
          actor: { kind: 'user', id: req.accountId },
          cause: ctx.correlationId,
        },
        async (r, tx) => {
          if (!check.ok) {
            ctx.log.info(
              { requestId: r.id, reason: check.reason, detail: check.detail },
              'certificate refused',
            );
            return refuseCertificate(r, check.reason, now);
          }
          const code = d.generateCode();
          const decision = acceptCertificate(
            r,
            { issuer: check.issuer, serialNumber: check.serialNumber },
            activationCodeHash(d.codeKey, r.id, code),
            now,
            d.policy,
          );
          if (decision.refusal) return decision;
          const letterId = randomUUID();
          written = await d.letters.write({
            letterId,
            requestNumber: r.number,
            name: [givenName, familyName].filter(Boolean).join(' '),
            addressLines: splitAddressLine(address),
            code,
            expiresAt: decision.request.expiresAt!,
          });
          await tx.insertLetter({
            id: letterId,
            requestId: r.id,
            state: 'queued',
            pdfPath: written,
            createdAt: now,
            printedAt: null,
            printedBy: null,
            postedAt: null,
            postedBy: null,
          });
          return decision;
        },
      );
      return view(after, d.policy);
    } catch (err) {
      // Only an accepted certificate writes a PDF, and its decision has no refusal: an error here
      // means the transaction did not commit, so no queue row points at the file.
      if (written) await d.letters.remove(written);
      throw err;
    }
  });
