import { createHmac, hkdfSync } from 'node:crypto';
import { clientAddressBucket, DomainError } from '@idp/events';
import { Counter, type Registry } from '@idp/observability';
import { slidingWindowLimiter, type Redis, type WindowLimit } from '@idp/redis';

/** The anonymous posts that mail someone, create an account or spend a link. */
export const LIMITED_ENDPOINTS = [
  'register',
  'register_confirm',
  'password_forgot',
  'password_reset',
] as const;
export type LimitedEndpoint = (typeof LIMITED_ENDPOINTS)[number];

/** At most `max` requests within any `windowMs`. */
export interface LimitWindow {
  max: number;
  windowMs: number;
}

/** Per client address always; per target e-mail address where the endpoint sends a mail to one. */
export type AbuseLimitPolicy = Record<LimitedEndpoint, { address: LimitWindow; email?: LimitWindow }>;

export type AbuseVerdict =
  { limited: false } | { limited: true; by: 'address' | 'email'; retryAfterSeconds: number };

export interface AbuseLimiter {
  /**
   * Counts one request against the endpoint's limits, in all of them or (when one is full) in none.
   * A Redis failure throws `infra.redis_down`: without the counters nothing is let through.
   */
  check(endpoint: LimitedEndpoint, who: { address: string; email?: string }): Promise<AbuseVerdict>;
}

/**
 * An e-mail address as one mailbox for the limits: trimmed and lower-cased as accounts stores it,
 * and without a `+tag`, since `ana+1@…`, `ana+2@…` all land in Ana's mailbox.
 */
export function mailboxOf(email: string): string {
  const e = email.trim().toLowerCase();
  const at = e.lastIndexOf('@');
  if (at < 0) return e;
  const local = e.slice(0, at);
  const plus = local.indexOf('+');
  return `${plus > 0 ? local.slice(0, plus) : local}${e.slice(at)}`;
}

/**
 * Sliding-window limits in Redis (`rl:<endpoint>:<address|email>:<digest>`). Keys are HMACs under a
 * key derived from `keySecret`, so Redis holds neither client addresses nor e-mail addresses, and the
 * same on every instance.
 */
export function createAbuseLimiter(o: {
  redis: Redis;
  policy: AbuseLimitPolicy;
  keySecret: string;
  registry: Registry;
  now?: () => Date;
}): AbuseLimiter {
  const limiter = slidingWindowLimiter(o.redis);
  const now = o.now ?? (() => new Date());
  const key = Buffer.from(hkdfSync('sha256', o.keySecret, '', 'idp/idp-gateway/abuse-limit-keys/v1', 32));
  const digest = (what: string) => createHmac('sha256', key).update(what).digest('base64url').slice(0, 22);
  const limited = new Counter({
    name: 'idp_gateway_abuse_limited_total',
    help: 'Anonymous requests refused with 429 by an abuse limit, by endpoint and limit (address, email).',
    labelNames: ['endpoint', 'limit'],
    registers: [o.registry],
  });
  const unavailable = new Counter({
    name: 'idp_gateway_abuse_limit_unavailable_total',
    help: 'Anonymous requests refused with 503 because the abuse-limit counters (Redis) did not answer.',
    labelNames: ['endpoint'],
    registers: [o.registry],
  });
  for (const endpoint of LIMITED_ENDPOINTS) {
    unavailable.inc({ endpoint }, 0);
    for (const limit of ['address', ...(o.policy[endpoint].email ? ['email'] : [])])
      limited.inc({ endpoint, limit }, 0);
  }
  return {
    async check(endpoint, who) {
      const policy = o.policy[endpoint];
      const limits: (WindowLimit & { by: 'address' | 'email' })[] = [
        {
          by: 'address',
          key: `rl:${endpoint}:address:${digest(`address:${clientAddressBucket(who.address)}`)}`,
          cap: policy.address.max,
          windowMs: policy.address.windowMs,
        },
      ];
      if (policy.email && who.email !== undefined) {
        limits.push({
          by: 'email',
          key: `rl:${endpoint}:email:${digest(`email:${mailboxOf(who.email)}`)}`,
          cap: policy.email.max,
          windowMs: policy.email.windowMs,
        });
      }
      let verdict;
      try {
        verdict = await limiter.admit(limits, now());
      } catch (cause) {
        unavailable.inc({ endpoint });
        throw new DomainError('unavailable', 'infra.redis_down', {
          cause,
          message: 'abuse-limit counters unavailable',
        });
      }
      if (verdict.admitted) return { limited: false };
      const by = limits[verdict.refusedBy]!.by;
      limited.inc({ endpoint, limit: by });
      return { limited: true, by, retryAfterSeconds: Math.max(1, Math.ceil(verdict.retryAfterMs / 1000)) };
    },
  };
}
