import {
  AccountPersonalDataDisclosedV1,
  AccountPersonalDataDisclosureRefusedV1,
  DomainError,
  accountsRpc,
  decryptField,
  rpcHandler,
  type ErrorCode,
  type ErrorKind,
  type RpcHandler,
} from '@idp/events';
import { checkDisclosureRequest } from '../domain/disclosure.js';
import type { Deps } from '../ports.js';
import { accountAggregate } from './events.js';

type Refusal = 'unauthenticated' | 'not_authorised' | 'stale' | 'undecryptable';
const ERRORS: Record<Refusal, [ErrorKind, ErrorCode]> = {
  unauthenticated: ['unauthenticated', 'accounts.disclosure_unauthenticated'],
  not_authorised: ['permission_denied', 'accounts.disclosure_not_authorised'],
  stale: ['invalid_argument', 'accounts.disclosure_stale'],
  undecryptable: ['invalid_argument', 'accounts.disclosure_undecryptable'],
};

/**
 * Serves `idp.rpc.accounts.disclose_personal_data.v1`: decrypts one field of an event for an auditor
 * with role `disclosure`. Every request leaves an event naming the auditor, the event, the field and
 * the reason (never the value): disclosed, refused, or found erased. The event commits before the
 * answer leaves, so no value is ever disclosed unrecorded.
 */
export const disclosePersonalData = (d: Deps): RpcHandler<typeof accountsRpc.disclosePersonalData> =>
  rpcHandler(accountsRpc.disclosePersonalData, async (req, ctx) => {
    const now = d.clock.now();
    const statement = {
      auditorId: req.auditor.id,
      eventId: req.eventId,
      subject: req.subject,
      accountId: req.accountId,
      field: req.field,
      value: req.value,
      reason: req.reason,
      requestedAt: req.requestedAt,
    };
    const record = {
      accountId: req.accountId,
      eventId: req.eventId,
      field: req.field,
      reason: req.reason,
      auditorId: req.auditor.id,
    };
    const auditor = await d.auditors.find(req.auditor.id);
    const checked = checkDisclosureRequest(statement, req.signature, auditor, now);
    // Until the signature verifies, the auditor id is only a claim.
    const actor = {
      kind: checked === 'unauthenticated' ? 'anonymous' : 'admin',
      id: req.auditor.id,
    } as const;
    const refused = (refusal: Refusal | 'erased') =>
      d.event(
        AccountPersonalDataDisclosureRefusedV1,
        { aggregate: accountAggregate(req.accountId), actor, data: { ...record, refusal } },
        ctx,
      );
    const refuse = async (refusal: Refusal): Promise<never> => {
      await d.store.transaction((tx) => tx.enqueue([refused(refusal)]));
      const [kind, code] = ERRORS[refusal];
      throw new DomainError(kind, code);
    };
    if (checked) return refuse(checked);

    const outcome = await d.store.transaction(async (tx) => {
      // Locked, so an erasure running now either happens before (erased) or waits for this answer.
      const key = await tx.lockPersonKey(req.accountId);
      if (key && !key.wrappedKey) {
        await tx.enqueue([refused('erased')]);
        return { outcome: 'erased' as const, erasedAt: (key.destroyedAt ?? now).toISOString() };
      }
      let value: string | undefined;
      if (key?.wrappedKey && key.keyId === req.value.kid) {
        try {
          const personKey = d.personKeys.unwrap(key.wrappedKey, req.accountId, key.keyId);
          value = decryptField(personKey, req.value, {
            subject: req.subject,
            field: req.field,
            accountId: req.accountId,
          });
        } catch {
          value = undefined;
        }
      }
      if (value === undefined) return undefined;
      await tx.enqueue([
        d.event(
          AccountPersonalDataDisclosedV1,
          { aggregate: accountAggregate(req.accountId), actor, data: record },
          ctx,
        ),
      ]);
      return { outcome: 'disclosed' as const, value };
    });
    return outcome ?? refuse('undecryptable');
  });
