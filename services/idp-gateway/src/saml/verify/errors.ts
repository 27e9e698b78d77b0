import { DomainError, type ErrorKind, type SAML_ERROR_CODES } from '@idp/events';

export type SamlErrorCode = (typeof SAML_ERROR_CODES)[number];

/** One kind per code, so every edge maps a refused request the same way. */
const KIND: Partial<Record<SamlErrorCode, ErrorKind>> = {
  'saml.malformed_request': 'invalid_argument',
  'saml.unsupported_binding': 'invalid_argument',
  'saml.dtd_forbidden': 'invalid_argument',
  'saml.too_large': 'invalid_argument',
  'saml.schema_invalid': 'invalid_argument',
  'saml.unknown_issuer': 'permission_denied',
  'saml.signature_required': 'unauthenticated',
  'saml.signature_invalid': 'unauthenticated',
  'saml.signature_algorithm_forbidden': 'unauthenticated',
  'saml.signature_profile_violation': 'unauthenticated',
  'saml.destination_mismatch': 'permission_denied',
  'saml.acs_not_registered': 'permission_denied',
  'saml.issue_instant_out_of_range': 'invalid_argument',
  'saml.request_replayed': 'already_exists',
  'saml.nameid_policy_unsupported': 'invalid_argument',
  'saml.relay_state_too_long': 'invalid_argument',
};

/**
 * The error for a refused request. `detail` is for operators: it names the check, never quotes the
 * XML (it may carry personal data or an attacker's payload).
 */
export const refused = (code: SamlErrorCode, detail?: string, cause?: unknown): DomainError =>
  new DomainError(KIND[code] ?? 'invalid_argument', code, {
    ...(detail === undefined ? {} : { message: `${code}: ${detail}` }),
    ...(cause === undefined ? {} : { cause }),
  });
