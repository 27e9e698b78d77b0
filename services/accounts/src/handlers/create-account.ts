import { randomUUID } from 'node:crypto';
import { AccountCreatedV1, accountsRpc, rpcHandler, type RpcHandler } from '@idp/events';
import { validateNewAccount } from '../domain/new-account.js';
import type { Deps } from '../ports.js';
import { accountAggregate } from './events.js';
import { personalDataChanged, type PersonalDataChange } from './person-keys.js';

/**
 * Serves `idp.rpc.accounts.create_account.v1` (the operator CLI's `account create`). A phone given
 * with smsPASS active is stored as verified: the operator vouches for it, as the activation flow
 * would after an SMS round trip. Without smsPASS it is stored unverified.
 */
export const createAccount = (d: Omit<Deps, 'loginPolicy'>): RpcHandler<typeof accountsRpc.createAccount> =>
  rpcHandler(accountsRpc.createAccount, async (req, ctx) => {
    const now = d.clock.now();
    const a = validateNewAccount(req, now);
    const passwordHash = await d.hasher.hash(a.password);
    // Random, not time-ordered: an account id is shown to SPs' operators and must not date the account.
    const id = randomUUID();
    const personal: PersonalDataChange[] = [
      ...(a.givenName ? [{ field: 'given_name' as const, value: a.givenName }] : []),
      ...(a.familyName ? [{ field: 'family_name' as const, value: a.familyName }] : []),
      ...(a.birthDate ? [{ field: 'birth_date' as const, value: a.birthDate }] : []),
      ...(a.taxNumber ? [{ field: 'tax_number' as const, value: a.taxNumber }] : []),
    ];
    await d.store.transaction(async (tx) => {
      await tx.insertAccount(
        {
          id,
          email: a.email,
          passwordHash,
          givenName: a.givenName,
          familyName: a.familyName,
          taxNumber: a.taxNumber,
          birthDate: a.birthDate,
          // The operator vouches for the address (and, with smsPASS, for the phone).
          lifecycle: {
            state: a.smsPass === 'active' ? 'smspass_active' : 'email_confirmed',
            suspendedFrom: null,
          },
          emailConfirmedAt: now,
          createdAt: now,
        },
        a.phone === undefined
          ? undefined
          : {
              id: randomUUID(),
              accountId: id,
              e164: a.phone,
              verifiedAt: a.smsPass === 'active' ? now : null,
              createdAt: now,
            },
      );
      await tx.enqueue([
        d.event(
          AccountCreatedV1,
          {
            aggregate: accountAggregate(id),
            actor: { kind: 'admin' },
            data: { accountId: id, smsPass: a.smsPass, by: 'operator' },
          },
          ctx,
        ),
        ...(personal.length
          ? [
              await personalDataChanged(
                d,
                tx,
                { accountId: id, changes: personal, now, actor: { kind: 'admin' } },
                ctx,
              ),
            ]
          : []),
      ]);
    });
    return { accountId: id };
  });
