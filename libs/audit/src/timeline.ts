import type { NatsConnection } from '@nats-io/nats-core';
import type { Envelope } from '@idp/events';
import { eserviceOf, isAboutAccount } from './filters.js';
import { summarize } from './format.js';
import { replay, type ReplayOptions } from './replay.js';
import type { ReplayedEvent } from './replay-validate.js';

/**
 * One person's history. Selection rule (documented in the README):
 * 1. direct: the event's aggregate id or `data.accountId` is the account;
 * 2. correlated: the event shares a correlation id with a direct event (the login transaction),
 *    unless it names another account itself. So a login's SAML request, its SMS and its outcome
 *    appear next to the password step, and each login is attributed to its e-service.
 */
export type TimelineCategory =
  'registration' | 'activation' | 'login' | 'phone' | 'officer' | 'account' | 'other';

export interface TimelineEntry {
  seq: number;
  occurredAt: string;
  subject: string;
  category: TimelineCategory;
  /** The e-service of the journey the event belongs to, when one is known. */
  eservice: string | undefined;
  correlationId: string;
  /** `account`: names the account; `correlation`: pulled in through its journey. */
  via: 'account' | 'correlation';
  summary: string;
}

export interface LoginSummary {
  eservice: string;
  /** Login journeys (correlation ids) towards this e-service. */
  attempts: number;
  succeeded: number;
  failed: number;
  /** Neither an assertion nor a SAML failure in the replayed range (abandoned or still running). */
  incomplete: number;
  lastSuccessAt: string | undefined;
}

export interface Timeline {
  accountId: string;
  entries: TimelineEntry[];
  logins: LoginSummary[];
}

/** By subject name, so categories hold for events whose contracts are added later (activation, RA, phones). */
export function categoryOf(subject: string): TimelineCategory {
  const [, domain, event] = subject.split('.');
  // An identity correction changes the account's personal data; it is no step of an smsPASS activation.
  if (domain === 'activation') return event?.startsWith('correction_') ? 'account' : 'activation';
  if (domain === 'ra') return 'officer';
  if (domain === 'saml' || domain === 'session' || domain === 'otp') return 'login';
  if (domain === 'account') {
    if (event === 'created' || event === 'registered') return 'registration';
    if (event?.startsWith('phone_')) return 'phone';
    if (event?.startsWith('password_') || event === 'temporarily_locked') return 'login';
    if (event?.startsWith('smspass_')) return 'activation';
    return 'account';
  }
  return 'other';
}

const namesOtherAccount = (env: Envelope, accountId: string): boolean => {
  if (env.aggregate.type === 'account' && env.aggregate.id !== accountId) return true;
  const d = env.data;
  if (d !== null && typeof d === 'object') {
    const a = (d as Record<string, unknown>).accountId;
    if (typeof a === 'string' && a !== accountId) return true;
  }
  return false;
};

/** Pure selection and assembly over events in stream order (what `collectTimeline` feeds it). */
export function buildTimeline(accountId: string, events: Iterable<ReplayedEvent>): Timeline {
  const all = [...events].filter((e) => e.envelope);
  const journeys = new Set<string>();
  for (const e of all) if (isAboutAccount(e.envelope!, accountId)) journeys.add(e.envelope!.correlationId);
  return assemble(
    accountId,
    all.filter((e) => isTimelineEvent(e.envelope!, accountId, journeys)),
  );
}

function isTimelineEvent(env: Envelope, accountId: string, journeys: ReadonlySet<string>): boolean {
  if (isAboutAccount(env, accountId)) return true;
  return journeys.has(env.correlationId) && !namesOtherAccount(env, accountId);
}

function assemble(accountId: string, selected: ReplayedEvent[]): Timeline {
  const spOfJourney = new Map<string, string>();
  for (const e of selected) {
    const sp = eserviceOf(e.envelope!);
    if (sp && !spOfJourney.has(e.envelope!.correlationId)) spOfJourney.set(e.envelope!.correlationId, sp);
  }
  const entries: TimelineEntry[] = selected.map((e) => {
    const env = e.envelope!;
    return {
      seq: e.seq,
      occurredAt: env.occurredAt,
      subject: env.subject,
      category: categoryOf(env.subject),
      eservice: eserviceOf(env) ?? spOfJourney.get(env.correlationId),
      correlationId: env.correlationId,
      via: isAboutAccount(env, accountId) ? 'account' : 'correlation',
      summary: summarize(env),
    };
  });

  const outcome = new Map<
    string,
    { sp: string; result: 'succeeded' | 'failed' | 'incomplete'; at: string }
  >();
  for (const e of entries) {
    if (e.category !== 'login' || !e.eservice) continue;
    const o = outcome.get(e.correlationId) ?? {
      sp: e.eservice,
      result: 'incomplete' as const,
      at: e.occurredAt,
    };
    if (e.subject.startsWith('idp.saml.assertion_issued.')) o.result = 'succeeded';
    else if (e.subject.startsWith('idp.saml.authn_failed.') && o.result !== 'succeeded') o.result = 'failed';
    o.at = e.occurredAt;
    outcome.set(e.correlationId, o);
  }
  const bySp = new Map<string, LoginSummary>();
  for (const o of outcome.values()) {
    const s = bySp.get(o.sp) ?? {
      eservice: o.sp,
      attempts: 0,
      succeeded: 0,
      failed: 0,
      incomplete: 0,
      lastSuccessAt: undefined,
    };
    s.attempts++;
    s[o.result]++;
    if (o.result === 'succeeded' && (!s.lastSuccessAt || o.at > s.lastSuccessAt)) s.lastSuccessAt = o.at;
    bySp.set(o.sp, s);
  }
  return {
    accountId,
    entries,
    logins: [...bySp.values()].sort((a, b) =>
      a.eservice < b.eservice ? -1 : a.eservice > b.eservice ? 1 : 0,
    ),
  };
}

/**
 * Two passes over the same range, so memory holds only the person's own events: the first finds
 * the events naming the account and their journeys (correlation ids), the second collects every
 * event of those journeys, including the ones that came before the account was known (the SAML
 * request that opened a login).
 */
export async function collectTimeline(
  nc: NatsConnection,
  accountId: string,
  o: Omit<ReplayOptions, 'filter' | 'follow'> = {},
): Promise<{ timeline: Timeline; misfits: ReplayedEvent[] }> {
  const journeys = new Set<string>();
  const misfits: ReplayedEvent[] = [];
  const first = replay(nc, { ...o, filter: { account: accountId } });
  for await (const e of first) {
    if (e.problem && !e.envelope) misfits.push(e);
    else if (e.envelope) journeys.add(e.envelope.correlationId);
  }
  const untilSeq = o.untilSeq ?? first.progress.lastSeqAtStart;
  const selected: ReplayedEvent[] = [];
  if (untilSeq > 0) {
    for await (const e of replay(nc, { ...o, untilSeq })) {
      if (!e.envelope) continue;
      if (isTimelineEvent(e.envelope, accountId, journeys)) {
        selected.push(e);
        if (e.problem) misfits.push(e);
      }
    }
  }
  misfits.sort((a, b) => a.seq - b.seq);
  return { timeline: assemble(accountId, selected), misfits };
}
