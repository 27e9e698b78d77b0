import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import {
  DomainError,
  RaOfficerEnrolledV1,
  RaOfficerLoggedInV1,
  RaOfficerLoginFailedV1,
  type Envelope,
  type MessageContext,
} from '@idp/events';
import { isLocked, recordFailure, recordSuccess } from '../domain/lockout.js';
import { isSessionAlive, needsTouch, sessionExpiry, type SessionStage } from '../domain/session.js';
import { checkTotp, newTotpSecret, totpUri } from '../domain/totp.js';
import type { Officer, OfficerSession, RaTransaction } from '../ports.js';
import { officerActor, officerAggregate, type ConsoleDeps } from './deps.js';

/** A random token for a cookie or a form (256 bits). */
export const newToken = (): string => randomBytes(32).toString('base64url');
/** Sessions are stored by the hash of their cookie token. */
export const tokenHash = (token: string): string => createHash('sha256').update(token).digest('hex');
/** Constant-time comparison of a submitted form token with the expected one. */
export const sameToken = (given: unknown, expected: string): boolean =>
  typeof given === 'string' &&
  given.length === expected.length &&
  timingSafeEqual(Buffer.from(given), Buffer.from(expected));

export interface SignedIn {
  officer: Officer;
  session: OfficerSession;
}

/** A new session: the cookie gets `token`, forms get `session.csrfToken`. */
export interface NewSession {
  token: string;
  session: OfficerSession;
}

type LoginFailure = 'wrong_password' | 'wrong_totp' | 'unknown' | 'disabled' | 'locked';

const ERRORS: Record<LoginFailure, () => DomainError> = {
  wrong_password: () => new DomainError('unauthenticated', 'ra.invalid_credentials'),
  unknown: () => new DomainError('unauthenticated', 'ra.invalid_credentials'),
  wrong_totp: () => new DomainError('unauthenticated', 'ra.totp_invalid'),
  disabled: () => new DomainError('permission_denied', 'ra.officer_disabled'),
  locked: () => new DomainError('rate_limited', 'ra.officer_locked'),
};

/**
 * Officer login: password, then a TOTP code (or, the first time, enrolment of the authenticator
 * app by QR code). Every outcome is an event; failures count towards a lock of the account, and
 * a failure's event commits even though the caller gets an error.
 */
export class OfficerAuth {
  constructor(private readonly d: ConsoleDeps) {}

  private failed(officer: Officer | undefined, reason: LoginFailure, ctx: MessageContext): Envelope {
    return this.d.event(
      RaOfficerLoginFailedV1,
      {
        aggregate: officer ? officerAggregate(officer.id) : { type: 'officer_login', id: ctx.correlationId },
        // Nobody is authenticated yet: the officer id in the data says whose account was tried.
        actor: { kind: 'anonymous' },
        data: { ...(officer ? { officerId: officer.id } : {}), reason },
      },
      ctx,
    );
  }

  /** Commits the failure (counter and event) and only then reports it. */
  private async fail(
    tx: RaTransaction,
    officer: Officer | undefined,
    reason: LoginFailure,
    ctx: MessageContext,
  ): Promise<DomainError> {
    const now = this.d.clock.now();
    if (officer && (reason === 'wrong_password' || reason === 'wrong_totp')) {
      const next = recordFailure(officer, now, this.d.lockout);
      await tx.updateOfficer(
        officer.id,
        { failedLogins: next.failedLogins, lockedUntil: next.lockedUntil },
        now,
      );
    }
    await tx.enqueue([this.failed(officer, reason, ctx)]);
    return ERRORS[reason]();
  }

  private async newSession(tx: RaTransaction, officerId: string, stage: SessionStage): Promise<NewSession> {
    const now = this.d.clock.now();
    const token = newToken();
    const session: OfficerSession = {
      tokenHash: tokenHash(token),
      officerId,
      stage,
      csrfToken: newToken(),
      createdAt: now,
      lastSeenAt: now,
      expiresAt: sessionExpiry(stage, now, this.d.sessions),
    };
    await tx.insertSession(session);
    return { token, session };
  }

  /** Step 1. Unknown e-mail and wrong password give the same error, after the same argon2 work. */
  async password(
    email: string,
    password: string,
    ctx: MessageContext,
  ): Promise<NewSession & { enrolled: boolean }> {
    const normalized = email.trim().toLowerCase().slice(0, 254);
    const found = normalized ? await this.d.store.findOfficerByEmail(normalized) : undefined;
    const isRight = await this.d.hasher.verify(found?.passwordHash, password.slice(0, 1024));
    const outcome = await this.d.store.transaction(async (tx) => {
      const officer = found && (await tx.lockOfficer(found.id));
      const now = this.d.clock.now();
      if (!officer) return { error: await this.fail(tx, undefined, 'unknown', ctx) };
      // A locked account says so whatever the password: otherwise the lock would still answer guesses.
      if (isLocked(officer, now)) return { error: await this.fail(tx, officer, 'locked', ctx) };
      if (!isRight) return { error: await this.fail(tx, officer, 'wrong_password', ctx) };
      if (officer.disabledAt) return { error: await this.fail(tx, officer, 'disabled', ctx) };
      const s = await this.newSession(tx, officer.id, 'second_factor');
      return { value: { ...s, enrolled: officer.totpEnrolledAt !== null } };
    });
    if (outcome.error) throw outcome.error;
    return outcome.value;
  }

  /** The session a cookie names, if it is alive and its officer may still work; touches an active one. */
  async resolve(token: string | undefined, stage: SessionStage): Promise<SignedIn | undefined> {
    if (!token) return undefined;
    const hash = tokenHash(token);
    const found = await this.d.store.findSession(hash);
    const now = this.d.clock.now();
    if (!found || found.session.stage !== stage || found.officer.disabledAt) return undefined;
    if (!isSessionAlive(found.session, now, this.d.sessions)) return undefined;
    if (stage === 'active' && needsTouch(found.session.lastSeenAt, now)) {
      await this.d.store.touchSession(hash, now);
    }
    return found;
  }

  /**
   * The enrolment page's secret and otpauth URI. The seed is made once and kept (sealed), so a
   * reload shows the same QR code the officer may already have scanned.
   */
  async enrolment(pending: SignedIn): Promise<{ secret: string; uri: string }> {
    if (pending.officer.totpEnrolledAt) {
      throw new DomainError('precondition', 'ra.totp_enrolment_required', { message: 'already enrolled' });
    }
    const sealed = await this.d.store.transaction(async (tx) => {
      const officer = await tx.lockOfficer(pending.officer.id);
      if (!officer) throw new DomainError('unauthenticated', 'ra.session_expired');
      if (officer.totpSecret) return officer.totpSecret;
      const fresh = this.d.box.seal(newTotpSecret(), officer.id);
      await tx.updateOfficer(officer.id, { totpSecret: fresh }, this.d.clock.now());
      return fresh;
    });
    const secret = this.d.box.open(sealed, pending.officer.id);
    return { secret, uri: totpUri({ issuer: this.d.totpIssuer, account: pending.officer.email, secret }) };
  }

  /** Step 2: a code from the app, either confirming a new enrolment or logging in with an enrolled one. */
  async secondFactor(
    pending: SignedIn,
    code: string,
    mode: 'enrol' | 'login',
    ctx: MessageContext,
  ): Promise<NewSession> {
    const outcome = await this.d.store.transaction(async (tx) => {
      const officer = await tx.lockOfficer(pending.officer.id);
      const now = this.d.clock.now();
      if (!officer) return { error: new DomainError('unauthenticated', 'ra.session_expired') };
      if (isLocked(officer, now)) return { error: await this.fail(tx, officer, 'locked', ctx) };
      if (officer.disabledAt) return { error: await this.fail(tx, officer, 'disabled', ctx) };
      const isEnrolled = officer.totpEnrolledAt !== null;
      if (mode === 'login' && !isEnrolled) {
        return { error: new DomainError('precondition', 'ra.totp_enrolment_required') };
      }
      if (mode === 'enrol' && isEnrolled) {
        return {
          error: new DomainError('precondition', 'ra.totp_enrolment_required', {
            message: 'already enrolled',
          }),
        };
      }
      if (!officer.totpSecret)
        return { error: new DomainError('precondition', 'ra.totp_enrolment_required') };
      const check = checkTotp({
        secret: this.d.box.open(officer.totpSecret, officer.id),
        code,
        now,
        lastUsedStep: officer.totpLastStep,
      });
      if (!check.ok) return { error: await this.fail(tx, officer, 'wrong_totp', ctx) };

      await tx.updateOfficer(
        officer.id,
        { ...recordSuccess(), totpLastStep: check.timeStep, ...(isEnrolled ? {} : { totpEnrolledAt: now }) },
        now,
      );
      // A new token for the signed-in session: a token seen before login is worth nothing after it.
      await tx.deleteSession(pending.session.tokenHash);
      const s = await this.newSession(tx, officer.id, 'active');
      const base = { aggregate: officerAggregate(officer.id), actor: officerActor(officer.id) };
      await tx.enqueue([
        ...(isEnrolled
          ? []
          : [this.d.event(RaOfficerEnrolledV1, { ...base, data: { officerId: officer.id } }, ctx)]),
        this.d.event(RaOfficerLoggedInV1, { ...base, data: { officerId: officer.id } }, ctx),
      ]);
      return { value: s };
    });
    if (outcome.error) throw outcome.error;
    return outcome.value;
  }

  async logout(token: string | undefined): Promise<void> {
    if (!token) return;
    await this.d.store.transaction((tx) => tx.deleteSession(tokenHash(token)));
  }
}
