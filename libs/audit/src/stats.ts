import type { Envelope } from '@idp/events';

/**
 * The anonymous statistics projection. `applyEvent` folds one envelope into the state; the same
 * function serves a live projection (consumer) and a rebuild from replay, so both agree. The
 * published view (`statsView`) holds counts only: no account, session or correlation id. E-service
 * entity ids are not personal data and appear as keys.
 */

/** Counts of one UTC day. */
export interface DayStats {
  newAccounts: number;
  smsPassActivations: number;
  /** Per e-service (SP entity id; `(unknown)` when the request named none). */
  logins: Record<string, LoginCounts>;
  sms: { sent: number; failed: number };
  /** Actions on the user pages, by action name (the event's third subject token). */
  userPages: Record<string, number>;
}

export interface LoginCounts {
  /** AuthnRequests accepted: a login began. */
  requests: number;
  /** Assertions issued (logins that reached the e-service). */
  succeeded: number;
  /** Of those, answered from an existing SSO session. */
  ssoReused: number;
  /** Failures by reason: `rejected:<code>`, `password:<reason>`, `otp:<reason>`, `sms:failed`, `saml:<reason>`. */
  failures: Record<string, number>;
}

export interface StatsState {
  version: 1;
  accounts: { total: number };
  /** Keyed by `YYYY-MM-DD` (UTC). */
  days: Record<string, DayStats>;
  /** Events applied. */
  events: number;
  /**
   * Working memory, never published: the e-service of each login transaction still open, so a
   * failed password or code in it counts for the right e-service. Closed by the SAML outcome and
   * forgotten after two days (an abandoned login).
   */
  open: Record<string, { sp: string; day: string }>;
  /** Last day seen, to sweep `open` once per day. */
  lastDay: string;
}

export const UNKNOWN_ESERVICE = '(unknown)';

export const initialStats = (): StatsState => ({
  version: 1,
  accounts: { total: 0 },
  days: {},
  events: 0,
  open: {},
  lastDay: '',
});

/**
 * Subjects counted by name pattern, so a new version (`.v2`) counts as well.
 */
const FUTURE = {
  /**
   * smsPASS became active: the account state machine's fact only. The activation workflow's own
   * `idp.activation.completed` accompanies it and must not count the same activation twice.
   */
  smsPassActivated: /^idp\.account\.smspass_activated\.v\d+$/,
  /** An account was erased (right to erasure) or closed. */
  accountRemoved: /^idp\.account\.(deleted|erased|closed)\.v\d+$/,
  /**
   * Self-service on the user pages: phones, contact data, password change, smsPASS cancelled by the
   * citizen, data export. (An erasure counts as an account removed.)
   */
  userPage:
    /^idp\.account\.(?:phone_added|phone_removed|contact_data_updated|password_changed|personal_data_exported)\.v\d+$/,
};

const dayOf = (occurredAt: string): string =>
  occurredAt.length >= 20 && occurredAt.endsWith('Z')
    ? occurredAt.slice(0, 10)
    : new Date(occurredAt).toISOString().slice(0, 10);

const newDay = (): DayStats => ({
  newAccounts: 0,
  smsPassActivations: 0,
  logins: {},
  sms: { sent: 0, failed: 0 },
  userPages: {},
});

const newLogin = (): LoginCounts => ({ requests: 0, succeeded: 0, ssoReused: 0, failures: {} });

const str = (data: Record<string, unknown>, key: string): string | undefined => {
  const v = data[key];
  return typeof v === 'string' ? v : undefined;
};

const OPEN_DAYS = 2;
const daysBefore = (day: string, n: number) =>
  new Date(Date.parse(`${day}T00:00:00Z`) - n * 86_400_000).toISOString().slice(0, 10);

/**
 * Folds one (valid) envelope into `state` and returns it. The state is updated in place, like a
 * reduce accumulator: a rebuild applies millions of events and copying would dominate. The result
 * depends only on the state and the envelope, never on the clock.
 */
export function applyEvent(state: StatsState, env: Envelope): StatsState {
  const day = dayOf(env.occurredAt);
  if (day !== state.lastDay) {
    if (day > state.lastDay) {
      const horizon = daysBefore(day, OPEN_DAYS);
      for (const [tx, o] of Object.entries(state.open)) if (o.day < horizon) delete state.open[tx];
    }
    state.lastDay = day > state.lastDay ? day : state.lastDay;
  }
  state.events++;
  const d = (state.days[day] ??= newDay());
  const data = (env.data ?? {}) as Record<string, unknown>;
  const tx = env.correlationId;
  const login = (sp: string | undefined) => (d.logins[sp ?? UNKNOWN_ESERVICE] ??= newLogin());
  const openSp = () => state.open[tx]?.sp;
  const fail = (sp: string | undefined, reason: string) => {
    const l = login(sp);
    l.failures[reason] = (l.failures[reason] ?? 0) + 1;
  };

  switch (env.subject) {
    case 'idp.account.created.v1':
      state.accounts.total++;
      d.newAccounts++;
      if (data.smsPass === 'active') d.smsPassActivations++;
      return state;
    case 'idp.account.registered.v1':
      state.accounts.total++;
      d.newAccounts++;
      return state;
    case 'idp.saml.authn_request_received.v1': {
      const sp = str(data, 'spEntityId') ?? UNKNOWN_ESERVICE;
      login(sp).requests++;
      state.open[tx] = { sp, day };
      return state;
    }
    case 'idp.saml.authn_request_rejected.v1':
      fail(str(data, 'spEntityId'), `rejected:${str(data, 'errorCode') ?? 'unknown'}`);
      return state;
    case 'idp.saml.assertion_issued.v1': {
      const l = login(str(data, 'spEntityId'));
      l.succeeded++;
      if (data.sessionReused === true) l.ssoReused++;
      delete state.open[tx];
      return state;
    }
    case 'idp.saml.authn_failed.v1':
      fail(str(data, 'spEntityId'), `saml:${str(data, 'reason') ?? str(data, 'status') ?? 'unknown'}`);
      delete state.open[tx];
      return state;
    case 'idp.account.password_verification_failed.v1':
      fail(openSp(), `password:${str(data, 'reason') ?? 'unknown'}`);
      return state;
    case 'idp.otp.verification_failed.v1':
      fail(openSp(), `otp:${str(data, 'reason') ?? 'unknown'}`);
      return state;
    case 'idp.otp.sms_sent.v1':
      d.sms.sent++;
      return state;
    case 'idp.otp.sms_failed.v1':
      d.sms.failed++;
      if (state.open[tx]) fail(openSp(), 'sms:failed');
      return state;
  }
  if (env.subject === 'idp.account.smspass_cancelled.v1' && data.by === 'self') {
    d.userPages.smspass_cancelled = (d.userPages.smspass_cancelled ?? 0) + 1;
    return state;
  }
  if (FUTURE.smsPassActivated.test(env.subject)) d.smsPassActivations++;
  else if (FUTURE.accountRemoved.test(env.subject)) state.accounts.total--;
  else if (FUTURE.userPage.test(env.subject)) {
    const action = env.subject.split('.')[2]!;
    d.userPages[action] = (d.userPages[action] ?? 0) + 1;
  }
  return state;
}

export type StatsPeriod = 'day' | 'week' | 'month';

/** ISO 8601 week (`2026-W45`), month (`2026-11`) or the day itself. */
export function periodOf(day: string, period: StatsPeriod): string {
  if (period === 'day') return day;
  if (period === 'month') return day.slice(0, 7);
  const date = new Date(`${day}T00:00:00Z`);
  const weekday = date.getUTCDay() || 7;
  date.setUTCDate(date.getUTCDate() + 4 - weekday); // the Thursday decides the ISO year
  const year = date.getUTCFullYear();
  const week = Math.ceil(((date.getTime() - Date.UTC(year, 0, 1)) / 86_400_000 + 1) / 7);
  return `${year}-W${String(week).padStart(2, '0')}`;
}

/** One row of the published view: a period's counts, every map key-sorted. */
export interface PeriodStats extends DayStats {
  period: string;
}

/** What `audit stats` prints and the operator page shows: counts only, in a stable order. */
export interface StatsView {
  period: StatsPeriod;
  totalAccounts: number;
  events: number;
  rows: PeriodStats[];
}

const sortKeys = <T>(o: Record<string, T>): Record<string, T> =>
  Object.fromEntries(Object.entries(o).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));

const addCounts = (into: Record<string, number>, from: Record<string, number>) => {
  for (const [k, v] of Object.entries(from)) into[k] = (into[k] ?? 0) + v;
};

/** Sums the days into periods. Deterministic: the same state gives the same JSON, byte for byte. */
export function statsView(state: StatsState, period: StatsPeriod = 'day'): StatsView {
  const rows = new Map<string, PeriodStats>();
  for (const day of Object.keys(state.days).sort()) {
    const d = state.days[day]!;
    const key = periodOf(day, period);
    let r = rows.get(key);
    if (!r) rows.set(key, (r = { period: key, ...newDay() }));
    r.newAccounts += d.newAccounts;
    r.smsPassActivations += d.smsPassActivations;
    r.sms.sent += d.sms.sent;
    r.sms.failed += d.sms.failed;
    addCounts(r.userPages, d.userPages);
    for (const [sp, l] of Object.entries(d.logins)) {
      const t = (r.logins[sp] ??= newLogin());
      t.requests += l.requests;
      t.succeeded += l.succeeded;
      t.ssoReused += l.ssoReused;
      addCounts(t.failures, l.failures);
    }
  }
  return {
    period,
    totalAccounts: state.accounts.total,
    events: state.events,
    rows: [...rows.values()].map((r) => ({
      ...r,
      logins: sortKeys(
        Object.fromEntries(
          Object.entries(r.logins).map(([sp, l]) => [sp, { ...l, failures: sortKeys(l.failures) }]),
        ),
      ),
      userPages: sortKeys(r.userPages),
    })),
  };
}
