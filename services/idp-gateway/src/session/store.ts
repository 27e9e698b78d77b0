import { randomBytes } from 'node:crypto';
import type { Redis } from '@idp/redis';
import type { Loa } from '@idp/saml';
import { wrapRedisError } from '@idp/redis';

/** One login in progress: created by a trusted AuthnRequest, ended by a Response to the SP. */
export interface LoginTransaction {
  id: string;
  spEntityId: string;
  requestId: string;
  acsUrl: string;
  relayState?: string;
  forceAuthn: boolean;
  isPassive: boolean;
  nameIdFormat: 'persistent' | 'transient';
  /** The level this login aims for: the SP's most preferred acceptable level (`acceptableLevels`). */
  requiredLoa: Loa;
  /**
   * Every level the SP accepts, the most preferred first; the login ends at the first one the account
   * can reach. Absent in a transaction stored before it existed: `requiredLoa` alone then.
   */
  acceptableLoas?: Loa[];
  step: 'password' | 'otp' | 'done';
  accountId?: string;
  challengeId?: string;
  /** Bound to the browser by the transaction cookie; checked on every form post. */
  csrfToken: string;
  lang: 'sl' | 'en';
  createdAt: string;
  /**
   * Set for a login at the gateway itself (the user pages): no SP is waiting, the SP fields are
   * empty, and the browser goes back to this local path once the session exists.
   */
  returnTo?: string;
  /** A step-up of this SSO session (password-only session, smsPASS active): it is raised in place. */
  upgradesSession?: string;
  /**
   * SHA-256 of the HTTP-Redirect AuthnRequest's query exactly as received, whose answer was the
   * login page itself: the same browser asking it again (a reload, Back) sees its login where it is.
   */
  requestDigest?: string;
}

export interface SessionParticipant {
  spEntityId: string;
  nameId: string;
  nameIdFormat: 'persistent' | 'transient';
  sessionIndex: string;
  /** Where its LogoutRequest goes at single logout, if it has an SLO endpoint. */
  sloUrl?: string;
}

/** The SSO session: lets a second SP get an assertion without a new login, while the level suffices. */
export interface SsoSession {
  id: string;
  accountId: string;
  loa: Loa;
  methods: ('password' | 'sms_otp')[];
  authnInstant: string;
  /** Absolute end; the idle timeout is the Redis TTL, renewed on use. */
  expiresAt: string;
  participants: SessionParticipant[];
  /** The user pages' forms carry it; bound to the browser by the session cookie. */
  csrfToken?: string;
}

/** 256 random bits, URL-safe: unguessable identifiers for cookies and forms. */
export const newToken = (): string => randomBytes(32).toString('base64url');

export interface SessionStoreOptions {
  transactionTtlMs: number;
  sessionIdleMs: number;
  sessionAbsoluteMs: number;
}

/**
 * Short-lived login state in Redis. Every key has a TTL (losing Redis logs people out; it never
 * loses an account); failures surface as `infra.redis_down`.
 */
export class SessionStore {
  constructor(
    private readonly redis: Redis,
    readonly o: SessionStoreOptions,
  ) {}

  private async run<T>(op: () => Promise<T>): Promise<T> {
    try {
      return await op();
    } catch (err) {
      throw wrapRedisError(err);
    }
  }

  /**
   * Stores a new login transaction. `id` is chosen by the caller when events were already published
   * under it (the transaction id is the correlation id of the whole login).
   */
  async createTransaction(
    t: Omit<LoginTransaction, 'id' | 'csrfToken' | 'createdAt' | 'step'>,
    now: Date,
    id: string = newToken(),
  ): Promise<LoginTransaction> {
    const tx: LoginTransaction = {
      ...t,
      id,
      csrfToken: newToken(),
      createdAt: now.toISOString(),
      step: 'password',
    };
    await this.run(() => this.redis.set(`tx:${tx.id}`, JSON.stringify(tx), 'PX', this.o.transactionTtlMs));
    return tx;
  }

  getTransaction(id: string): Promise<LoginTransaction | undefined> {
    return this.run(async () => {
      const raw = await this.redis.get(`tx:${id}`);
      return raw ? (JSON.parse(raw) as LoginTransaction) : undefined;
    });
  }

  /** Keeps the transaction's remaining lifetime: a login does not get longer by taking steps. */
  async saveTransaction(tx: LoginTransaction): Promise<void> {
    await this.run(() => this.redis.set(`tx:${tx.id}`, JSON.stringify(tx), 'KEEPTTL', 'XX'));
  }

  async deleteTransaction(id: string): Promise<void> {
    await this.run(() => this.redis.del(`tx:${id}`));
  }

  /** A new session, not yet stored: `putSession` stores it once the assertion is ready. */
  newSession(s: Omit<SsoSession, 'id' | 'expiresAt' | 'participants'>, now: Date): SsoSession {
    return {
      ...s,
      id: newToken(),
      expiresAt: new Date(now.getTime() + this.o.sessionAbsoluteMs).toISOString(),
      participants: [],
      csrfToken: newToken(),
    };
  }

  async createSession(
    s: Omit<SsoSession, 'id' | 'expiresAt' | 'participants'>,
    now: Date,
  ): Promise<SsoSession> {
    const session = this.newSession(s, now);
    await this.putSession(session, now);
    return session;
  }

  /** The session if it exists and neither timeout has passed; using it renews the idle timeout. */
  getSession(id: string, now: Date): Promise<SsoSession | undefined> {
    return this.run(async () => {
      const raw = await this.redis.get(`sess:${id}`);
      if (!raw) return undefined;
      const session = JSON.parse(raw) as SsoSession;
      if (Date.parse(session.expiresAt) <= now.getTime()) {
        await this.redis.del(`sess:${id}`);
        return undefined;
      }
      await this.redis.pexpire(`sess:${id}`, this.idleTtl(session, now));
      return session;
    });
  }

  /** Stores the session; with `endTransaction`, deletes that login transaction in the same round trip. */
  async putSession(session: SsoSession, now: Date, endTransaction?: string): Promise<void> {
    const value = JSON.stringify(session);
    const ttl = this.idleTtl(session, now);
    await this.run(async () => {
      if (endTransaction === undefined) {
        await this.redis.set(`sess:${session.id}`, value, 'PX', ttl);
        return;
      }
      const results = await this.redis
        .multi()
        .set(`sess:${session.id}`, value, 'PX', ttl)
        .del(`tx:${endTransaction}`)
        .exec();
      const failed = results?.find(([err]) => err);
      if (!results || failed) throw failed?.[0] ?? new Error('redis MULTI aborted');
    });
  }

  /**
   * The CSRF token of an anonymous form page (registration, password reset), bound to the browser
   * by a cookie holding `id`; a missing or unknown id gets a fresh pair.
   */
  async formToken(id: string | undefined): Promise<{ id: string; csrfToken: string; isNew: boolean }> {
    return this.run(async () => {
      const known = id ? await this.redis.get(`form:${id}`) : null;
      if (id && known) return { id, csrfToken: known, isNew: false };
      const fresh = { id: newToken(), csrfToken: newToken(), isNew: true };
      await this.redis.set(`form:${fresh.id}`, fresh.csrfToken, 'PX', this.o.transactionTtlMs);
      return fresh;
    });
  }

  /** The token stored for an anonymous form cookie, without creating one. */
  getFormToken(id: string): Promise<string | undefined> {
    return this.run(async () => (await this.redis.get(`form:${id}`)) ?? undefined);
  }

  async deleteSession(id: string): Promise<void> {
    await this.run(() => this.redis.del(`sess:${id}`));
  }

  /** Short-lived single-logout state (a POSTed request waiting for the cookie, or a propagation chain). */
  async putLogoutState(id: string, state: unknown, ttlMs: number): Promise<void> {
    await this.run(() => this.redis.set(`slo:${id}`, JSON.stringify(state), 'PX', ttlMs));
  }

  getLogoutState<T>(id: string): Promise<T | undefined> {
    return this.run(async () => {
      const raw = await this.redis.get(`slo:${id}`);
      return raw ? (JSON.parse(raw) as T) : undefined;
    });
  }

  /** Reads and deletes in one step, so a state can be used only once even across gateway instances. */
  takeLogoutState<T>(id: string): Promise<T | undefined> {
    return this.run(async () => {
      const raw = await this.redis.getdel(`slo:${id}`);
      return raw ? (JSON.parse(raw) as T) : undefined;
    });
  }

  private idleTtl(s: SsoSession, now: Date): number {
    return Math.max(1, Math.min(this.o.sessionIdleMs, Date.parse(s.expiresAt) - now.getTime()));
  }

  /**
   * Records a SAML request ID; true when it was seen before (a replay). SET NX makes the check and
   * the record one atomic step across gateway instances.
   */
  async seenRequestId(spEntityId: string, id: string, ttlMs: number): Promise<boolean> {
    const stored = await this.run(() =>
      this.redis.set(`rid:${spEntityId}\u0000${id}`, '1', 'PX', ttlMs, 'NX'),
    );
    return stored === null;
  }
}
