import {
  AccountPasswordVerificationFailedV1,
  AccountPasswordVerifiedV1,
  AccountTemporarilyLockedV1,
  DomainError,
  accountsRpc,
  rpcHandler,
  sealOtpDestination,
  type RpcContext,
  type RpcHandler,
} from '@idp/events';
import {
  activeLock,
  failLogin,
  loginThrottleKeys,
  retryAfterSeconds,
  throttleKeyCandidates,
  type LoginThrottle,
} from '../domain/login-throttle.js';
import { loginRefusal } from '../domain/account-state.js';
import { normalizePassword } from '../domain/password.js';
import { maskPhone } from '../domain/phone.js';
import type { AccountRecord, Deps } from '../ports.js';
import { accountAggregate } from './events.js';

type FailureReason =
  'wrong_password' | 'unknown_account' | 'locked' | 'suspended' | 'email_not_confirmed' | 'cancelled';

const REFUSAL_REASON: Partial<Record<DomainError['code'], FailureReason>> = {
  'accounts.suspended': 'suspended',
  'accounts.email_not_confirmed': 'email_not_confirmed',
  'accounts.cancelled': 'cancelled',
};

/** A sealed destination serves the login step that follows the password; a stale one is asked again. */
const OTP_DESTINATION_VALIDITY_MS = 2 * 60_000;

const invalidCredentials = () =>
  new DomainError('unauthenticated', 'accounts.invalid_credentials', {
    message: 'wrong account name or password',
  });

// The gateway reads the wait from the message, as the contract documents.
const temporarilyLocked = (until: Date, now: Date) =>
  new DomainError('rate_limited', 'accounts.temporarily_locked', {
    message: `temporarily locked; retryAfterSeconds=${retryAfterSeconds(until, now)}`,
  });

/**
 * Serves `idp.rpc.accounts.verify_password.v1`. An unknown account name gets the same answer, the
 * same hash computation and the same throttling as a wrong password, so neither the reply nor its
 * timing nor a lockout tells whether an e-mail address has an account.
 */
export const verifyPassword = (d: Deps): RpcHandler<typeof accountsRpc.verifyPassword> =>
  rpcHandler(accountsRpc.verifyPassword, async (req, ctx) => {
    const now = d.clock.now();
    const found = await d.store.findForLogin(
      req.email,
      throttleKeyCandidates({ email: req.email, clientAddress: req.clientAddress }),
    );
    const account = found.account;
    const keys = loginThrottleKeys({
      accountId: account?.id,
      email: req.email,
      clientAddress: req.clientAddress,
    });
    const throttleOf = (m: Map<string, LoginThrottle['account']>): LoginThrottle => ({
      account: m.get(keys.account),
      address: m.get(keys.address),
    });
    const failed = (reason: FailureReason) =>
      d.event(
        AccountPasswordVerificationFailedV1,
        {
          aggregate: account ? accountAggregate(account.id) : unknownAccountAggregate(ctx),
          actor: { kind: 'anonymous' },
          data: { ...(account ? { accountId: account.id } : {}), reason },
        },
        ctx,
      );

    // Locked: refuse without hashing, so a locked-out attacker cannot keep the CPU busy either.
    const lock = activeLock(throttleOf(found.throttle), d.loginPolicy, now);
    if (lock) {
      await d.store.transaction((tx) => tx.enqueue([failed('locked')]));
      throw temporarilyLocked(lock, now);
    }

    const password = normalizePassword(req.password);
    if (!(await d.hasher.verify(account?.passwordHash, password))) {
      const lockedUntil = await d.store.transaction(async (tx) => {
        const counted = failLogin(
          throttleOf(await tx.lockThrottle([keys.account, keys.address])),
          d.loginPolicy,
          now,
        );
        await tx.saveThrottle(keys.account, counted.account.entry, counted.account.expiresAt);
        await tx.saveThrottle(keys.address, counted.address.entry, counted.address.expiresAt);
        const events = [failed(account ? 'wrong_password' : 'unknown_account')];
        if (account && counted.account.lockedNow && counted.account.entry.lockedUntil) {
          events.push(
            d.event(
              AccountTemporarilyLockedV1,
              {
                aggregate: accountAggregate(account.id),
                data: { accountId: account.id, until: counted.account.entry.lockedUntil.toISOString() },
              },
              ctx,
            ),
          );
        }
        await tx.enqueue(events);
        return counted.account.lockedNow || counted.address.lockedNow
          ? activeLock({ account: counted.account.entry, address: counted.address.entry }, d.loginPolicy, now)
          : undefined;
      });
      // The failure that locks says so at once, so the login page can tell the citizen to wait.
      throw lockedUntil ? temporarilyLocked(lockedUntil, now) : invalidCredentials();
    }
    // Only a stored hash can verify: an unknown account never gets here.
    const known = account as AccountRecord;

    const verifiedEvent = () =>
      d.event(
        AccountPasswordVerifiedV1,
        {
          aggregate: accountAggregate(known.id),
          actor: { kind: 'user', id: known.id },
          data: { accountId: known.id },
        },
        ctx,
      );
    const answer = () => {
      const phone = known.smsPass === 'active' ? found.verifiedPhone : undefined;
      if (!phone) return { accountId: known.id, smsPass: known.smsPass };
      const phoneHint = maskPhone(phone);
      // The code step follows at once: otp-sender takes the phone from here instead of asking again.
      const otpDestination =
        d.otpDestinations &&
        sealOtpDestination(d.otpDestinations, {
          accountId: known.id,
          phone,
          phoneHint,
          notAfter: new Date(now.getTime() + OTP_DESTINATION_VALIDITY_MS),
        });
      return {
        accountId: known.id,
        smsPass: known.smsPass,
        phoneHint,
        ...(otpDestination ? { otpDestination } : {}),
      };
    };

    // The common case in one statement: no throttle row was there to clear, no rehash is due and the
    // state allows a login. The event is stored only if still no row exists, which is the check the
    // transaction below makes (no row: no failure counted, so no lock); otherwise that path decides.
    const rehashDue = d.hasher.needsRehash(known.passwordHash);
    if (
      !rehashDue &&
      !found.throttle.has(keys.account) &&
      !found.throttle.has(keys.address) &&
      !loginRefusal(known.lifecycle.state) &&
      (await d.store.enqueueUnlessThrottled([keys.account, keys.address], [verifiedEvent()]))
    ) {
      return answer();
    }

    // Rehash outside the transaction: a hash costs ~10 ms that the throttle row locks need not wait for.
    const rehashed = rehashDue ? await d.hasher.hash(password) : undefined;
    const refusal = await d.store.transaction(async (tx) => {
      // Checked again: failures that raced this request may have locked the account or the address
      // meanwhile, and a lock refuses even the right password. Only the account's row is locked, since
      // only it is written here; locking the address row too would queue every citizen behind one
      // NAT address one after another.
      // No empty row is created to lock: when there is none, no failure has been counted yet, so this
      // check comes before any racing failure, exactly as if it had waited on a row lock.
      const rows = await tx.lockOneThrottle(keys.account, keys.address);
      const raced = activeLock(throttleOf(rows), d.loginPolicy, now);
      if (raced) {
        await tx.enqueue([failed('locked')]);
        return temporarilyLocked(raced, now);
      }
      // The account's state machine decides who may log in (not confirmed, suspended, cancelled).
      const stateRefusal = loginRefusal(known.lifecycle.state);
      if (stateRefusal) {
        await tx.enqueue([failed(REFUSAL_REASON[stateRefusal.code] ?? 'suspended')]);
        return stateRefusal;
      }
      // The account's count starts again; the address's does not, or an attacker could reset
      // their budget by logging in to an account of their own between guesses.
      if (rows.has(keys.account)) await tx.clearThrottle(keys.account);
      if (rehashed) await tx.updatePasswordHash(known.id, rehashed, now);
      await tx.enqueue([verifiedEvent()]);
      return undefined;
    });
    if (refusal) throw refusal;
    return answer();
  });

/** A failure for a name with no account is filed under the login attempt, never under the name. */
const unknownAccountAggregate = (ctx: RpcContext) => ({ type: 'login', id: ctx.correlationId });
