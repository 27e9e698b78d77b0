import {
  AccountPersonalDataChangedV1,
  DomainError,
  encryptField,
  type Envelope,
  type MessageContext,
  type PersonalDataField,
} from '@idp/events';
import { newPersonKey, type PersonKeyWrapper } from '../domain/person-key.js';
import type { AccountTransaction, Deps } from '../ports.js';
import { accountAggregate } from './events.js';

/**
 * The account's data key, made on first use in the caller's transaction. A destroyed key is never
 * replaced: an erased person gets no new personal data under their old account id.
 */
export async function personKeyFor(
  tx: Pick<AccountTransaction, 'lockPersonKey' | 'insertPersonKey'>,
  wrapper: PersonKeyWrapper,
  accountId: string,
  now: Date,
): Promise<{ keyId: string; key: Buffer }> {
  const row = await tx.lockPersonKey(accountId);
  if (row) {
    if (!row.wrappedKey)
      throw new DomainError('precondition', 'accounts.transition_not_allowed', {
        message: 'the personal data key of this account was destroyed',
      });
    return { keyId: row.keyId, key: wrapper.unwrap(row.wrappedKey, accountId, row.keyId) };
  }
  const fresh = newPersonKey();
  await tx.insertPersonKey({
    accountId,
    keyId: fresh.keyId,
    wrappedKey: wrapper.wrap(fresh.key, accountId, fresh.keyId),
    createdAt: now,
    destroyedAt: null,
  });
  return fresh;
}

/**
 * Destroys the account's data key (crypto-shredding): every personal-data field any event holds for
 * this account becomes unreadable, while the events and their signatures stay intact. Account erasure
 * calls this in its transaction. Returns false when there was no live key.
 */
export async function destroyPersonKey(
  tx: Pick<AccountTransaction, 'destroyPersonKey'>,
  accountId: string,
  now: Date,
): Promise<boolean> {
  return tx.destroyPersonKey(accountId, now);
}

export type PersonalDataChange = { field: PersonalDataField; value: string };

/** `idp.account.personal_data_changed.v1` with every value encrypted under the person's key. */
export async function personalDataChanged(
  d: Pick<Deps, 'event' | 'personKeys'>,
  tx: Pick<AccountTransaction, 'lockPersonKey' | 'insertPersonKey'>,
  o: { accountId: string; changes: readonly PersonalDataChange[]; now: Date; actor: Envelope['actor'] },
  ctx: MessageContext,
): Promise<Envelope> {
  const { keyId, key } = await personKeyFor(tx, d.personKeys, o.accountId, o.now);
  const subject = AccountPersonalDataChangedV1.subject;
  return d.event(
    AccountPersonalDataChangedV1,
    {
      aggregate: accountAggregate(o.accountId),
      actor: o.actor,
      data: {
        accountId: o.accountId,
        changes: o.changes.map((c) => ({
          field: c.field,
          value: encryptField(key, keyId, c.value, { subject, field: c.field, accountId: o.accountId }),
        })),
      },
    },
    ctx,
  );
}

/** An address as one encrypted value: JSON, so an auditor sees every part as it was recorded. */
export const addressValue = (a: { street: string; postalCode: string; city: string; country: string }) =>
  JSON.stringify({ street: a.street, postalCode: a.postalCode, city: a.city, country: a.country });
