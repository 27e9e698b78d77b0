import { ACCOUNTS_ERROR_CODES } from './contracts/accounts.js';
import { OTP_ERROR_CODES } from './contracts/otp.js';
import { ACTIVATION_ERROR_CODES } from './contracts/activation.js';
import { RA_ERROR_CODES } from './contracts/ra.js';
import { SAML_ERROR_CODES } from './contracts/saml.js';
import { NOTARY_ERROR_CODES } from './contracts/notary.js';

/** How a failure should be treated by a caller; each edge maps kinds to its own status codes once. */
export type ErrorKind =
  | 'invalid_argument'
  | 'unauthenticated'
  | 'permission_denied'
  | 'not_found'
  | 'already_exists'
  | 'precondition'
  | 'rate_limited'
  | 'unavailable'
  | 'internal';

export const ERROR_KINDS: readonly ErrorKind[] = [
  'invalid_argument',
  'unauthenticated',
  'permission_denied',
  'not_found',
  'already_exists',
  'precondition',
  'rate_limited',
  'unavailable',
  'internal',
];

/**
 * HTTP-style status per kind: the HTTP edge answers with it, and RPC error replies carry it in the
 * `Nats-Service-Error-Code` header so generic NATS tooling sees failures too.
 */
export const ERROR_STATUS: Readonly<Record<ErrorKind, number>> = {
  invalid_argument: 400,
  unauthenticated: 401,
  permission_denied: 403,
  not_found: 404,
  already_exists: 409,
  precondition: 409,
  rate_limited: 429,
  unavailable: 503,
  internal: 500,
};

/**
 * The closed set of error codes (`<domain>.<snake_reason>`). A typo fails to compile; a new failure
 * gets a new code here so callers and tests can tell it apart without reading message text.
 */
const CORE_ERROR_CODES = [
  'rpc.timeout',
  'rpc.no_responders',
  'rpc.invalid_request',
  'rpc.invalid_reply',
  'rpc.internal',
  'rpc.connection_closed',
  'events.unknown_subject',
  'events.invalid_payload',
  'events.invalid_envelope',
  'events.publish_failed',
  'infra.nats_down',
  'infra.database_down',
  'infra.redis_down',
] as const;

export const ERROR_CODES = [
  ...CORE_ERROR_CODES,
  ...ACCOUNTS_ERROR_CODES,
  ...OTP_ERROR_CODES,
  ...SAML_ERROR_CODES,
  ...ACTIVATION_ERROR_CODES,
  ...RA_ERROR_CODES,
  ...NOTARY_ERROR_CODES,
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

const knownCodes = new Set<string>(ERROR_CODES);
export const isErrorCode = (s: string): s is ErrorCode => knownCodes.has(s);

/** A failure the domain expects and names. Anything else is a bug and maps to `internal`. */
export class DomainError extends Error {
  override name = 'DomainError';
  constructor(
    readonly kind: ErrorKind,
    readonly code: ErrorCode,
    options?: ErrorOptions & { message?: string },
  ) {
    super(options?.message ?? code, options);
  }
}

export const isDomainError = (e: unknown): e is DomainError => e instanceof DomainError;

/** The error as it crosses NATS. `message` is for operators; callers branch on `kind` and `code`. */
export interface WireError {
  kind: ErrorKind;
  code: string;
  message: string;
}

export function toWireError(e: unknown): WireError {
  if (isDomainError(e)) return { kind: e.kind, code: e.code, message: e.message };
  return { kind: 'internal', code: 'rpc.internal', message: 'internal error' };
}

/** A service may be newer than its caller and send a code this build does not know; keep it visible. */
export class RemoteError extends DomainError {
  override name = 'RemoteError';
  constructor(
    kind: ErrorKind,
    readonly remoteCode: string,
    message: string,
  ) {
    super(kind, isErrorCode(remoteCode) ? remoteCode : 'rpc.internal', { message });
  }
}
