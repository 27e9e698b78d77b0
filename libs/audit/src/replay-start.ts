/** Where a replay begins. */
export type ReplayStart =
  | { kind: 'beginning' }
  /** By the server's stored time (the first message stored at or after `time`). */
  | { kind: 'time'; time: Date }
  | { kind: 'seq'; seq: number };

const UNIT_MS: Record<string, number> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 7 * 86_400_000,
};
const DURATION = /^(?:\d+(?:ms|s|m|h|d|w))+$/;
const DURATION_PART = /(\d+)(ms|s|m|h|d|w)/g;
// RFC 3339 date-time with a mandatory offset, or a bare date (taken as midnight UTC).
const RFC3339 = /^\d{4}-\d{2}-\d{2}(?:[Tt ]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:[Zz]|[+-]\d{2}:\d{2}))?$/;

/** `10m`, `2h`, `7d`, `1h30m`, `500ms`, `2w` → milliseconds; undefined when it is not a duration. */
export function parseDuration(text: string): number | undefined {
  if (!DURATION.test(text)) return undefined;
  let ms = 0;
  for (const [, n, unit] of text.matchAll(DURATION_PART)) ms += Number(n) * UNIT_MS[unit!]!;
  return ms;
}

/**
 * `--since`: an RFC 3339 time (`2026-11-01T00:00:00Z`, `2026-11-01T01:00:00+01:00`), a date
 * (`2026-11-01`, midnight UTC) or a duration back from `now` (`10m`, `2h`, `7d`).
 */
export function parseSince(text: string, now: Date): Date {
  const t = text.trim();
  const ms = parseDuration(t);
  if (ms !== undefined) return new Date(now.getTime() - ms);
  if (RFC3339.test(t)) {
    const d = new Date(t.length === 10 ? `${t}T00:00:00Z` : t);
    if (!Number.isNaN(d.getTime())) return d;
  }
  throw new RangeError(
    `--since ${JSON.stringify(text)}: expected an RFC 3339 time such as 2026-11-01T00:00:00Z, a date such as 2026-11-01, or a duration such as 10m, 2h, 7d`,
  );
}

/** `--seq`: a stream sequence, 1 or more. */
export function parseSeq(text: string): number {
  if (!/^[1-9]\d*$/.test(text.trim()) || !Number.isSafeInteger(Number(text)))
    throw new RangeError(`--seq ${JSON.stringify(text)}: expected a stream sequence (1 or more)`);
  return Number(text);
}
