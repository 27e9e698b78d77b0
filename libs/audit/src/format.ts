import { isEncryptedField, type Envelope } from '@idp/events';
import type { ReplayedEvent } from './replay-validate.js';

export type OutputFormat = 'json' | 'table';

const SUMMARY_MAX = 96;
const VALUE_MAX = 48;

const short = (s: string, max: number) => (s.length > max ? `${s.slice(0, max - 1)}…` : s);

/** What a display shows for a personal-data value: only accounts can open it, for an auditor who asks. */
export const ENCRYPTED_PLACEHOLDER = '[encrypted]';
/** A personal-data value whose person's key was destroyed (the account was erased): gone for good. */
export const ERASED_PLACEHOLDER = '[erased]';

/** Key ids of destroyed person keys, as accounts reports them (`idp.rpc.accounts.person_key_status.v1`). */
export type ErasedKeys = ReadonlySet<string>;

const sealed = (v: { kid: string }, erased?: ErasedKeys) =>
  erased?.has(v.kid) ? ERASED_PLACEHOLDER : ENCRYPTED_PLACEHOLDER;

/** A list item: an encrypted value, a `{ field, value }` change naming what it holds, or a scalar. */
function itemText(v: unknown, erased?: ErasedKeys): string {
  if (isEncryptedField(v)) return sealed(v, erased);
  const entry = v as { field?: unknown; value?: unknown } | null;
  if (entry && typeof entry === 'object' && typeof entry.field === 'string')
    return `${entry.field}:${isEncryptedField(entry.value) ? sealed(entry.value, erased) : String(entry.value)}`;
  return String(v);
}

/**
 * A one-line digest of `data`: scalar fields as `key=value`, lists joined with commas, nested
 * objects left out, encrypted personal data as `[encrypted]` (`[erased]` once its key is destroyed). Ids already shown in their own
 * columns are left out too.
 */
export function summarize(env: Envelope, erased?: ErasedKeys): string {
  const d = env.data;
  if (d === null || typeof d !== 'object') return d === undefined ? '' : short(String(d), SUMMARY_MAX);
  const parts: string[] = [];
  for (const [k, v] of Object.entries(d as Record<string, unknown>)) {
    if (k === 'accountId' && v === env.aggregate.id) continue;
    if (v === undefined || v === null) continue;
    if (isEncryptedField(v)) parts.push(`${k}=${sealed(v, erased)}`);
    else if (Array.isArray(v))
      parts.push(`${k}=${short(v.map((x) => itemText(x, erased)).join(','), VALUE_MAX)}`);
    else if (typeof v !== 'object') parts.push(`${k}=${short(String(v), VALUE_MAX)}`);
  }
  return short(parts.join(' '), SUMMARY_MAX);
}

/** Pads to `width`; a longer value is kept whole (ids must stay copyable) and pushes the row. */
const cell = (s: string, width: number, right = false) => (right ? s.padStart(width) : s.padEnd(width));

/** Column widths fit the catalog's subjects and UUIDs, so a followed stream stays aligned. */
const COLUMNS = [
  { title: 'SEQ', width: 7, right: true },
  { title: 'TIME (UTC)', width: 19 },
  { title: 'SUBJECT', width: 42 },
  { title: 'AGGREGATE', width: 50 },
  { title: 'CORRELATION', width: 36 },
  { title: 'DATA', width: 0 },
] as const;

const row = (values: readonly string[]) =>
  values
    .map((v, i) => cell(v, COLUMNS[i]!.width, 'right' in COLUMNS[i]! && COLUMNS[i]!.right))
    .join('  ')
    .trimEnd();

/** `2026-11-01T08:00:00.123Z` → `2026-11-01 08:00:00`; a time with an offset is converted to UTC. */
export function tableTime(iso: string): string {
  const utc = iso.endsWith('Z') ? iso : new Date(iso).toISOString();
  return `${utc.slice(0, 10)} ${utc.slice(11, 19)}`;
}

export const tableHeader = (): string => row(COLUMNS.map((c) => c.title));

/** One aligned table row; an event without a readable envelope shows the stored time and `(unreadable)`. */
export function tableRow(e: ReplayedEvent, erased?: ErasedKeys): string {
  const env = e.envelope;
  if (!env) return row([String(e.seq), tableTime(e.time.toISOString()), e.subject, '(unreadable)', '', '']);
  return row([
    String(e.seq),
    tableTime(env.occurredAt),
    env.subject,
    `${env.aggregate.type}:${env.aggregate.id}`,
    env.correlationId,
    (e.problem ? `[${e.problem.kind}] ` : '') + summarize(env, erased),
  ]);
}

/**
 * One JSON line: the stream position, the stored time and subject, the envelope as stored (parsed),
 * and the problem when the event does not fit its schema.
 */
export function jsonLine(e: ReplayedEvent): string {
  return JSON.stringify({
    seq: e.seq,
    time: e.time.toISOString(),
    subject: e.subject,
    ...(e.envelope ? { envelope: e.envelope } : {}),
    ...(e.problem ? { problem: e.problem } : {}),
  });
}

/** The stderr report of a misfit: where it is and every issue path. */
export function problemLine(e: ReplayedEvent): string {
  const p = e.problem;
  if (!p) return '';
  return `misfit seq ${e.seq} ${e.subject}: ${p.kind}: ${p.issues.join('; ')}`;
}
