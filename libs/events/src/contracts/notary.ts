import { z } from 'zod';
import { defineRpc } from '../define.js';

/** Failures of the notary's own requests and operator page. */
export const NOTARY_ERROR_CODES = [
  /** The statistics projection is still replaying the log: its counts would be incomplete. */
  'notary.catching_up',
  /** The operator page was asked for a period other than day, week or month. */
  'notary.invalid_period',
] as const;

export const StatsPeriodSchema = z.enum(['day', 'week', 'month']);

const count = z.number().int().nonnegative();
const counts = z.record(z.string(), count);

/** One period's counts (as `@idp/audit`'s `PeriodStats`): counts only, e-services by entity id. */
const PeriodStatsSchema = z.object({
  /** `2026-11-03`, `2026-W45` or `2026-11`. */
  period: z.string(),
  newAccounts: count,
  smsPassActivations: count,
  logins: z.record(
    z.string(),
    z.object({ requests: count, succeeded: count, ssoReused: count, failures: counts }),
  ),
  sms: z.object({ sent: count, failed: count }),
  userPages: counts,
});

/**
 * The anonymous statistics exactly as `idp audit stats --format json` prints them (the shape of
 * `@idp/audit`'s `StatsView`), so the live projection and a rebuild from the log compare as JSON.
 */
export const StatsViewSchema = z.object({
  period: StatsPeriodSchema,
  /** Accounts created minus accounts erased or closed; an integer, negative only on a partial log. */
  totalAccounts: z.number().int(),
  /** Events counted (events that do not fit their schema are left out, as in the CLI). */
  events: count,
  rows: z.array(PeriodStatsSchema),
});
export type StatsViewReply = z.infer<typeof StatsViewSchema>;

export const notaryRpc = {
  /**
   * The live statistics projection of one notary instance: counted from the first event of
   * `IDP_EVENTS` up to `lastSeq`. Refused with `notary.catching_up` until the replay at start-up
   * has reached the end of the log, so a caller never takes partial counts for complete ones.
   */
  stats: defineRpc(
    'idp.rpc.notary.stats.v1',
    z.object({ period: StatsPeriodSchema.default('day') }).strict(),
    StatsViewSchema.extend({
      /** The last `IDP_EVENTS` sequence the projection has read (0 for an empty log). */
      lastSeq: z.number().int().nonnegative(),
    }),
    'Anonymous statistics (counts only) from the live projection of the audit log, up to lastSeq.',
  ),
} as const;

export const NOTARY_CONTRACTS = Object.values(notaryRpc);
