/**
 * Turns a service's pino JSON line into one short line for a person watching `make up`.
 * The full JSON goes to var/log untouched; this is only what the terminal shows.
 */

const ESC = '\u001b[';
const paint = (code: string, text: string, color: boolean) =>
  color ? `${ESC}${code}m${text}${ESC}0m` : text;

/** One color per service, so interleaved lines are easy to tell apart. */
const SERVICE_COLORS = ['36', '32', '35', '34', '33', '96', '92', '95'];

export function serviceColor(serviceIndex: number): string {
  return SERVICE_COLORS[serviceIndex % SERVICE_COLORS.length] ?? '36';
}

const PINO_LEVELS: Record<number, string> = {
  10: 'trace',
  20: 'debug',
  30: 'info',
  40: 'warn',
  50: 'error',
  60: 'fatal',
};
const LEVEL_COLORS: Record<string, string> = {
  trace: '90',
  debug: '90',
  info: '32',
  warn: '33',
  error: '31',
  fatal: '1;31',
};

/** Fields every line of a service carries; repeating them on the terminal is noise. */
const BASE_FIELDS = new Set(['time', 'level', 'msg', 'service', 'version', 'instance', 'pid', 'hostname']);
const MAX_EXTRAS = 200;

export interface PrettyOptions {
  /** `accounts#1` and friends, already padded to a common width. */
  label: string;
  labelColor: string;
  color: boolean;
}

export function prefix(o: PrettyOptions): string {
  return `${paint(o.labelColor, o.label, o.color)} ${paint('90', '|', o.color)}`;
}

/** `<label> | ` and the line as {@link formatBody} shows it. */
export function formatLine(line: string, o: PrettyOptions): string {
  return `${prefix(o)} ${formatBody(line, o.color)}`;
}

/** A pino JSON line as `12:34:56.789 INFO  message key=value …`; anything else unchanged. */
export function formatBody(line: string, color: boolean): string {
  const record = parseRecord(line);
  if (!record) return line;
  const level = levelName(record.level);
  const parts = [
    paint('90', clock(record.time), color),
    paint(LEVEL_COLORS[level] ?? '0', level.toUpperCase().padEnd(5), color),
    typeof record.msg === 'string' ? record.msg : '',
  ];
  const extras = describeExtras(record);
  if (extras) parts.push(paint('90', extras, color));
  return parts.filter(Boolean).join(' ');
}

function parseRecord(line: string): Record<string, unknown> | undefined {
  if (!line.startsWith('{')) return undefined;
  try {
    const value: unknown = JSON.parse(line);
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

function levelName(level: unknown): string {
  if (typeof level === 'string') return level;
  if (typeof level === 'number') return PINO_LEVELS[level] ?? String(level);
  return 'info';
}

/** Local wall-clock time: on a terminal the date is noise, the milliseconds are not. */
function clock(time: unknown): string {
  const date = typeof time === 'string' || typeof time === 'number' ? new Date(time) : new Date();
  const d = Number.isNaN(date.getTime()) ? new Date() : date;
  const two = (n: number) => String(n).padStart(2, '0');
  return `${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}.${String(d.getMilliseconds()).padStart(3, '0')}`;
}

function describeExtras(record: Record<string, unknown>): string {
  const out: string[] = [];
  for (const [key, value] of Object.entries(record)) {
    if (BASE_FIELDS.has(key) || value === undefined || value === null) continue;
    out.push(key === 'err' ? describeError(value) : `${key}=${describeValue(value)}`);
  }
  const text = out.join(' ');
  return text.length > MAX_EXTRAS ? `${text.slice(0, MAX_EXTRAS - 1)}…` : text;
}

function describeError(err: unknown): string {
  if (typeof err !== 'object' || err === null) return `err=${describeValue(err)}`;
  const e = err as { type?: unknown; message?: unknown; code?: unknown };
  const type = typeof e.type === 'string' ? e.type : 'Error';
  const code = typeof e.code === 'string' || typeof e.code === 'number' ? ` (${e.code})` : '';
  return `err=${type}: ${typeof e.message === 'string' ? e.message : '?'}${code}`;
}

function describeValue(value: unknown): string {
  if (typeof value === 'string') return /[\s"=]/.test(value) || value === '' ? JSON.stringify(value) : value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  const json = JSON.stringify(value) ?? String(value);
  return json.length > 60 ? `${json.slice(0, 59)}…` : json;
}
