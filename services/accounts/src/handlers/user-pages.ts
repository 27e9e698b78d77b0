import {
  AccountPersonalDataExportedV1,
  AccountPhoneAddedV1,
  AccountPhoneRemovedV1,
  DomainError,
  accountsRpc,
  rpcHandler,
  type RpcHandler,
} from '@idp/events';
import { assertMay, smsPassOf, transition } from '../domain/account-state.js';
import { normalizePassword } from '../domain/password.js';
import { maskPhone, parseMobilePhone } from '../domain/phone.js';
import type { Deps } from '../ports.js';
import { accountAggregate } from './events.js';
import { accountNotFound } from './get-attributes.js';
import { applyTransition } from './lifecycle.js';

const self = (accountId: string) => ({ kind: 'user' as const, id: accountId });

/** Serves `idp.rpc.accounts.cancel_smspass.v1`: the citizen gives smsPASS up (the state machine decides). */
export const cancelSmsPass = (d: Deps): RpcHandler<typeof accountsRpc.cancelSmsPass> =>
  rpcHandler(accountsRpc.cancelSmsPass, async (req, ctx) => {
    const lifecycle = await d.store.transaction(async (tx) => {
      const account = await tx.lockAccount(req.accountId);
      if (!account || account.lifecycle.state === 'erased') throw accountNotFound();
      return applyTransition(d, tx, account, { type: 'cancel_smspass', by: 'self' }, ctx, self(account.id));
    });
    return { accountId: req.accountId, smsPass: smsPassOf(lifecycle) };
  });

/**
 * Serves `idp.rpc.accounts.remove_phone.v1`. An unverified phone goes freely; the last verified one
 * never while smsPASS is active (the codes would have nowhere to go): cancel smsPASS first.
 */
export const removePhone = (d: Deps): RpcHandler<typeof accountsRpc.removePhone> =>
  rpcHandler(accountsRpc.removePhone, async (req, ctx) => {
    const e164 = parseMobilePhone(req.phone);
    await d.store.transaction(async (tx) => {
      const account = await tx.lockAccount(req.accountId);
      if (!account || account.lifecycle.state === 'erased') throw accountNotFound();
      const phones = await tx.lockPhones(account.id);
      const phone = phones.find((p) => p.e164 === e164);
      if (!phone)
        throw new DomainError('not_found', 'accounts.phone_not_found', { message: 'no such phone' });
      const smsPassLive =
        ['smspass_active', 'suspended'].includes(account.lifecycle.state) &&
        (account.lifecycle.state === 'smspass_active' ||
          account.lifecycle.suspendedFrom === 'smspass_active');
      if (phone.verified && smsPassLive && phones.filter((p) => p.verified).length === 1) {
        throw new DomainError('precondition', 'accounts.last_verified_phone', {
          message: 'the last verified phone cannot be removed while smsPASS is active',
        });
      }
      await tx.removePhone(account.id, e164);
      await tx.enqueue([
        d.event(
          AccountPhoneRemovedV1,
          {
            aggregate: accountAggregate(account.id),
            actor: self(account.id),
            data: { accountId: account.id, phoneId: phone.id, verified: phone.verified },
          },
          ctx,
        ),
      ]);
    });
    return { accountId: req.accountId };
  });

/**
 * Serves `idp.rpc.accounts.delete_account.v1`: erasure, confirmed by the current password. The
 * personal data goes (store.eraseAccount), the row stays as a tombstone in state `erased`.
 */
export const deleteAccount = (d: Deps): RpcHandler<typeof accountsRpc.deleteAccount> =>
  rpcHandler(accountsRpc.deleteAccount, async (req, ctx) => {
    const found = await d.store.findById(req.accountId);
    if (!found || found.lifecycle.state === 'erased') throw accountNotFound();
    if (!(await d.hasher.verify(found.passwordHash, normalizePassword(req.password)))) {
      throw new DomainError('unauthenticated', 'accounts.invalid_credentials', { message: 'wrong password' });
    }
    const now = d.clock.now();
    await d.store.transaction(async (tx) => {
      const account = await tx.lockAccount(req.accountId);
      if (!account || account.lifecycle.state === 'erased') throw accountNotFound();
      // The state machine decides; the erasure writes the new state with the emptied columns (one CHECK).
      const t = transition(account.id, account.lifecycle, { type: 'erase', by: 'self' });
      await tx.eraseAccount(account.id, t.next, now);
      await tx.enqueue([
        d.event(
          t.event.def,
          { aggregate: accountAggregate(account.id), actor: self(account.id), data: t.event.data },
          ctx,
        ),
      ]);
    });
    return { accountId: req.accountId, erasedAt: now.toISOString() };
  });

/** Serves `idp.rpc.accounts.export_personal_data.v1`: everything held about the citizen, as JSON. */
export const exportPersonalData = (d: Deps): RpcHandler<typeof accountsRpc.exportPersonalData> =>
  rpcHandler(accountsRpc.exportPersonalData, async (req, ctx) => {
    const exported = await d.store.exportPersonalData(req.accountId);
    if (!exported || exported.account.state === 'erased') throw accountNotFound();
    const now = d.clock.now();
    await d.store.transaction((tx) =>
      tx.enqueue([
        d.event(
          AccountPersonalDataExportedV1,
          {
            aggregate: accountAggregate(req.accountId),
            actor: self(req.accountId),
            data: { accountId: req.accountId },
          },
          ctx,
        ),
      ]),
    );
    return { exportedAt: now.toISOString(), ...exported };
  });

/**
 * Serves `idp.rpc.accounts.add_phone.v1`. accounts asks otp-sender itself whether the challenge
 * proved this number for this account, so a gateway bug cannot bind an unproven phone.
 */
export const addPhone = (d: Deps): RpcHandler<typeof accountsRpc.addPhone> =>
  rpcHandler(accountsRpc.addPhone, async (req, ctx) => {
    const e164 = parseMobilePhone(req.phone);
    const notProven = () =>
      new DomainError('precondition', 'accounts.phone_not_proven', {
        message: 'the challenge does not prove this phone for this account',
      });
    const challenge = await d.otp
      .status({ challengeId: req.challengeId, phone: e164 }, ctx)
      .catch((err: unknown) => {
        if (err instanceof DomainError && err.code === 'otp.challenge_not_found') throw notProven();
        throw err;
      });
    if (
      challenge.state !== 'verified' ||
      challenge.accountId !== req.accountId ||
      challenge.purpose !== 'bind_phone' ||
      challenge.phoneMatches !== true
    ) {
      throw notProven();
    }
    const now = d.clock.now();
    await d.store.transaction(async (tx) => {
      const account = await tx.lockAccount(req.accountId);
      if (!account || account.lifecycle.state === 'erased') throw accountNotFound();
      assertMay(account.lifecycle.state, 'update_contact_data', 'phones cannot be added');
      const phoneId = await tx.bindPhone(account.id, e164, now);
      await tx.enqueue([
        d.event(
          AccountPhoneAddedV1,
          {
            aggregate: accountAggregate(account.id),
            actor: self(account.id),
            data: { accountId: account.id, phoneId, challengeId: req.challengeId },
          },
          ctx,
        ),
        d.mail.job(
          {
            accountId: account.id,
            template: 'phone_added',
            language: account.language,
            to: account.email,
            params: { phoneHint: maskPhone(e164) },
          },
          ctx,
        ),
      ]);
    });
    return { accountId: req.accountId };
  });
