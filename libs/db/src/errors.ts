import { DomainError } from '@idp/events';

// Socket-level failures: the server is not there (restarting, unreachable, refusing connections).
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EADDRNOTAVAIL',
]);

// SQLSTATEs that mean "the server is going away or not accepting work yet", not "your query is wrong".
const SERVER_UNAVAILABLE_STATES = new Set([
  '57P01', // admin_shutdown: a restart terminated the backend
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now: still starting up or in recovery
  '53300', // too_many_connections
]);

// node-postgres raises these without any code.
const PG_CLIENT_MESSAGES = [
  'Connection terminated',
  'timeout exceeded when trying to connect',
  'Client has encountered a connection error and is not queryable',
  'Connection terminated unexpectedly',
];

/**
 * True when `err` says PostgreSQL cannot be reached or dropped the connection, as opposed to a
 * query the server rejected. Only the former is worth retrying later.
 */
export function isConnectionError(err: unknown, depth = 0): boolean {
  if (!(err instanceof Error) || depth > 5) return false;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string') {
    if (NETWORK_CODES.has(code) || SERVER_UNAVAILABLE_STATES.has(code)) return true;
    // Class 08 is "connection exception" in the SQLSTATE table.
    if (/^08[0-9A-Z]{3}$/.test(code)) return true;
  }
  if (PG_CLIENT_MESSAGES.some((m) => err.message.includes(m))) return true;
  // Node tries every address of a host name and reports them together.
  if (err instanceof AggregateError && err.errors.some((e) => isConnectionError(e, depth + 1))) return true;
  return isConnectionError(err.cause, depth + 1);
}

/**
 * Maps a PostgreSQL outage to `DomainError('unavailable', 'infra.database_down')` so every edge
 * answers "try again later" (HTTP 503, a retried job) instead of a bare driver error. Any other
 * error — a constraint violation, a bad query — is returned unchanged: it is the caller's to handle
 * or a bug. Use as `catch (err) { throw wrapDbError(err); }`.
 */
export function wrapDbError(err: unknown): unknown {
  if (err instanceof DomainError || !isConnectionError(err)) return err;
  return new DomainError('unavailable', 'infra.database_down', {
    cause: err,
    message: `database unavailable: ${(err as Error).message || (err as { code?: string }).code || 'connection failed'}`,
  });
}
