import { randomUUID } from 'node:crypto';
import {
  AccountDuplicateRegistrationAttemptedV1,
  AccountRegisteredV1,
  accountsRpc,
  rpcHandler,
  type RpcHandler,
} from '@idp/events';
import { REGISTERED } from '../domain/account-state.js';
import { validateRegistration } from '../domain/registration.js';
import { newToken } from '../domain/token.js';
import type { Deps } from '../ports.js';
import { accountAggregate } from './events.js';
import {
  addressValue,
  destroyPersonKey,
  personalDataChanged,
  type PersonalDataChange,
} from './person-keys.js';

/**
 * Serves `idp.rpc.accounts.get_terms.v1`: the gateway shows this version on its registration page
 * instead of keeping a setting of its own that would have to agree with TERMS_VERSION.
 */
export const getTerms = (d: Deps): RpcHandler<typeof accountsRpc.getTerms> =>
  rpcHandler(accountsRpc.getTerms, async () => ({ version: d.registration.termsVersion }));

/**
 * Serves `idp.rpc.accounts.register.v1`. An address that already has an account gets the same
 * answer (and the same password-hashing cost) as a new one; its owner receives a "someone tried to
 * register with your address" mail instead of a confirmation link. A registration never confirmed
 * within the link's lifetime stops holding the address (or the tax number): the next registration
 * replaces it, so nobody can squat a mailbox they cannot read.
 */
export const register = (d: Deps): RpcHandler<typeof accountsRpc.register> =>
  rpcHandler(accountsRpc.register, async (req, ctx) => {
    const now = d.clock.now();
    const r = validateRegistration(req, now, d.registration.termsVersion);
    const passwordHash = await d.hasher.hash(r.password);
    const id = randomUUID();
    const { token, hash } = newToken();
    await d.store.transaction(async (tx) => {
      const existing = await tx.lockAccountByEmail(r.email);
      if (existing) {
        const lapsed =
          existing.lifecycle.state === 'registered' &&
          now.getTime() - existing.createdAt.getTime() >= d.registration.emailConfirmationTtlMs;
        if (!lapsed) {
          await tx.enqueue([
            d.event(
              AccountDuplicateRegistrationAttemptedV1,
              { aggregate: accountAggregate(existing.id), data: { accountId: existing.id } },
              ctx,
            ),
            d.mail.job(
              {
                accountId: existing.id,
                template: 'duplicate_registration',
                language: existing.language,
                to: existing.email,
              },
              ctx,
            ),
          ]);
          return;
        }
        await tx.deleteAccount(existing.id);
        // The lapsed registration's personal data in the log goes with it.
        await destroyPersonKey(tx, existing.id, now);
      }
      await tx.insertAccount(
        {
          id,
          email: r.email,
          passwordHash,
          givenName: r.givenName,
          familyName: r.familyName,
          taxNumber: r.taxNumber,
          birthDate: r.birthDate,
          emso: r.emso,
          language: req.language,
          lifecycle: REGISTERED,
          terms: { version: r.termsVersion, acceptedAt: now },
          emailConfirmedAt: null,
          address: r.address,
          createdAt: now,
        },
        undefined,
      );
      if (r.phone) await tx.addPhone(id, r.phone, now);
      await tx.insertToken({
        hash,
        accountId: id,
        purpose: 'email_confirmation',
        expiresAt: new Date(now.getTime() + d.registration.emailConfirmationTtlMs),
        usedAt: null,
        createdAt: now,
      });
      const personal: PersonalDataChange[] = [
        { field: 'given_name', value: r.givenName },
        { field: 'family_name', value: r.familyName },
        { field: 'birth_date', value: r.birthDate },
        { field: 'tax_number', value: r.taxNumber },
        ...(r.emso ? [{ field: 'emso' as const, value: r.emso }] : []),
        { field: 'address', value: addressValue(r.address) },
      ];
      const actor = { kind: 'user' as const, id };
      await tx.enqueue([
        d.event(
          AccountRegisteredV1,
          {
            aggregate: accountAggregate(id),
            actor: { kind: 'user', id },
            data: { accountId: id, termsVersion: r.termsVersion, termsAcceptedAt: now.toISOString() },
          },
          ctx,
        ),
        await personalDataChanged(d, tx, { accountId: id, changes: personal, now, actor }, ctx),
        d.mail.job(
          {
            accountId: id,
            template: 'email_confirmation',
            language: req.language,
            to: r.email,
            params: { token },
          },
          ctx,
        ),
      ]);
    });
    return { next: 'confirm_email' as const };
  });
