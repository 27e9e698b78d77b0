import type { StatsView } from './stats.js';
import type { Timeline } from './timeline.js';
import { tableTime } from './format.js';

/** Left-aligned text columns, right-aligned numbers, two spaces between. */
function table(header: readonly string[], rows: readonly (readonly (string | number)[])[]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i] ?? '').length)));
  const line = (r: readonly (string | number)[]) =>
    r
      .map((v, i) => (typeof v === 'number' ? String(v).padStart(widths[i]!) : v.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)];
}

const failures = (f: Record<string, number>) =>
  Object.entries(f)
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');

/** `audit stats` as tables: accounts and SMS per period, logins per e-service, user pages. */
export function formatStatsTable(v: StatsView): string[] {
  const out = [
    `Accounts in total: ${v.totalAccounts}   (events counted: ${v.events}; periods: ${v.period})`,
    '',
  ];
  out.push(
    ...table(
      ['PERIOD', 'NEW ACCOUNTS', 'SMSPASS ACTIVATIONS', 'SMS SENT', 'SMS FAILED'],
      v.rows.map((r) => [r.period, r.newAccounts, r.smsPassActivations, r.sms.sent, r.sms.failed]),
    ),
  );
  const logins = v.rows.flatMap((r) =>
    Object.entries(r.logins).map(([sp, l]) => [
      r.period,
      sp,
      l.requests,
      l.succeeded,
      l.ssoReused,
      failures(l.failures),
    ]),
  );
  out.push('', 'Logins per e-service');
  out.push(
    ...(logins.length
      ? table(['PERIOD', 'E-SERVICE', 'REQUESTS', 'SUCCEEDED', 'SSO', 'FAILURES'], logins)
      : ['(none)']),
  );
  const pages = v.rows.flatMap((r) => Object.entries(r.userPages).map(([a, n]) => [r.period, a, n]));
  out.push('', 'User pages');
  out.push(...(pages.length ? table(['PERIOD', 'ACTION', 'COUNT'], pages) : ['(none)']));
  return out;
}

const escapeHtml = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** The same view as an HTML fragment (tables with captions) for an operator page; every value escaped. */
export function renderStatsHtml(v: StatsView): string {
  const t = (caption: string, header: string[], rows: (string | number)[][]) =>
    `<table><caption>${escapeHtml(caption)}</caption><thead><tr>${header.map((h) => `<th scope="col">${escapeHtml(h)}</th>`).join('')}</tr></thead><tbody>${rows
      .map(
        (r) =>
          `<tr>${r.map((c) => (typeof c === 'number' ? `<td class="num">${c}</td>` : `<td>${escapeHtml(c)}</td>`)).join('')}</tr>`,
      )
      .join('')}</tbody></table>`;
  return [
    `<p>Accounts in total: <strong>${v.totalAccounts}</strong> (events counted: ${v.events})</p>`,
    t(
      `Accounts and SMS per ${v.period}`,
      ['Period', 'New accounts', 'smsPASS activations', 'SMS sent', 'SMS failed'],
      v.rows.map((r) => [r.period, r.newAccounts, r.smsPassActivations, r.sms.sent, r.sms.failed]),
    ),
    t(
      `Logins per e-service and ${v.period}`,
      ['Period', 'E-service', 'Requests', 'Succeeded', 'SSO', 'Failures'],
      v.rows.flatMap((r) =>
        Object.entries(r.logins).map(([sp, l]) => [
          r.period,
          sp,
          l.requests,
          l.succeeded,
          l.ssoReused,
          failures(l.failures),
        ]),
      ),
    ),
    t(
      `User pages per ${v.period}`,
      ['Period', 'Action', 'Count'],
      v.rows.flatMap((r) => Object.entries(r.userPages).map(([a, n]) => [r.period, a, n])),
    ),
  ].join('\n');
}

/** `audit timeline` as text: the events in order, then logins per e-service. */
export function formatTimelineTable(t: Timeline): string[] {
  const out = [`Timeline of account ${t.accountId}: ${t.entries.length} events`, ''];
  out.push(
    ...table(
      ['SEQ', 'TIME (UTC)', 'WHAT', 'E-SERVICE', 'SUBJECT', 'DATA'],
      t.entries.map((e) => [
        e.seq,
        tableTime(e.occurredAt),
        e.category,
        e.eservice ?? '',
        e.subject,
        e.summary,
      ]),
    ),
  );
  out.push('', 'Logins per e-service');
  out.push(
    ...(t.logins.length
      ? table(
          ['E-SERVICE', 'ATTEMPTS', 'SUCCEEDED', 'FAILED', 'INCOMPLETE', 'LAST SUCCESS'],
          t.logins.map((l) => [
            l.eservice,
            l.attempts,
            l.succeeded,
            l.failed,
            l.incomplete,
            l.lastSuccessAt ? tableTime(l.lastSuccessAt) : '',
          ]),
        )
      : ['(none)']),
  );
  return out;
}
