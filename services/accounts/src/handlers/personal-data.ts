import { AccountContactDataUpdatedV1, accountsRpc, rpcHandler, type RpcHandler } from '@idp/events';
import { assertMay } from '../domain/account-state.js';
import { parseEmail } from '../domain/email.js';
import { parseMobilePhone } from '../domain/phone.js';
import type { Deps } from '../ports.js';
import { accountAggregate } from './events.js';
import { accountNotFound } from './get-attributes.js';

const present = <T>(v: T | null): T | undefined => (v === null ? undefined : v);

/** Serves `idp.rpc.accounts.get_personal_data.v1`: what the citizen sees about themselves. */
export const getPersonalData = (d: Pick<Deps, 'store'>): RpcHandler<typeof accountsRpc.getPersonalData> =>
  rpcHandler(accountsRpc.getPersonalData, async (req) => {
    const p = await d.store.personalData(req.accountId);
    if (!p) throw accountNotFound();
    const a = p.account;
    return {
      accountId: a.id,
      state: a.lifecycle.state,
      email: a.email,
      givenName: present(a.givenName),
      familyName: present(a.familyName),
      taxNumber: present(a.taxNumber),
      emso: present(a.emso),
      birthDate: present(a.birthDate),
      address: p.address,
      contactEmails: p.contactEmails,
      phones: p.phones.map((ph) => ({ phone: ph.e164, verified: ph.verified })),
      language: a.language,
      terms:
        p.termsVersion && p.termsAcceptedAt
          ? { version: p.termsVersion, acceptedAt: p.termsAcceptedAt.toISOString() }
          : undefined,
    };
  });

/**
 * Serves `idp.rpc.accounts.update_contact_data.v1`. Names and the permanent address are not contact
 * data: they change only through an identity correction proven at a registration office or by a
 * certificate (correct-identity.ts); tax number, EMŠO and date of birth not at all. New phones are
 * stored unverified and bound only once an SMS code proves them (otp-sender's `bind_phone`).
 */
export const updateContactData = (d: Deps): RpcHandler<typeof accountsRpc.updateContactData> =>
  rpcHandler(accountsRpc.updateContactData, async (req, ctx) => {
    const now = d.clock.now();
    const addEmails = req.addEmails.map(parseEmail);
    const removeEmails = req.removeEmails.map(parseEmail);
    const addPhones = req.addPhones.map(parseMobilePhone);
    await d.store.transaction(async (tx) => {
      const account = await tx.lockAccount(req.accountId);
      if (!account) throw accountNotFound();
      assertMay(account.lifecycle.state, 'update_contact_data', 'contact data cannot change');
      const changed = new Set<'emails' | 'phones' | 'language'>();
      for (const e of addEmails)
        if (e !== account.email && (await tx.addContactEmail(account.id, e, now))) changed.add('emails');
      for (const e of removeEmails) if (await tx.removeContactEmail(account.id, e)) changed.add('emails');
      for (const p of addPhones) if (await tx.addPhone(account.id, p, now)) changed.add('phones');
      if (req.language && req.language !== account.language) {
        await tx.setLanguage(account.id, req.language, now);
        changed.add('language');
      }
      if (changed.size === 0) return;
      await tx.enqueue([
        d.event(
          AccountContactDataUpdatedV1,
          {
            aggregate: accountAggregate(account.id),
            actor: { kind: 'user', id: account.id },
            data: { accountId: account.id, changed: [...changed].sort() },
          },
          ctx,
        ),
      ]);
    });
    return { accountId: req.accountId };
  });
