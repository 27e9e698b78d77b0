import { z } from 'zod';
import { defineEvent } from '../define.js';

/** Each names the request check that failed, in the order the gateway applies them. */
export const SAML_ERROR_CODES = [
  'saml.malformed_request',
  'saml.unsupported_binding',
  'saml.dtd_forbidden',
  'saml.too_large',
  'saml.schema_invalid',
  'saml.unknown_issuer',
  'saml.signature_required',
  'saml.signature_invalid',
  'saml.signature_algorithm_forbidden',
  'saml.signature_profile_violation',
  'saml.destination_mismatch',
  'saml.acs_not_registered',
  'saml.issue_instant_out_of_range',
  'saml.request_replayed',
  'saml.nameid_policy_unsupported',
  'saml.relay_state_too_long',
  'saml.no_authn_context',
  'saml.no_passive',
  'saml.login_transaction_not_found',
  'saml.csrf_token_invalid',
  'saml.session_not_found',
] as const;

const LoA = z.enum(['low', 'substantial', 'high']);
const Binding = z.enum(['redirect', 'post']);
const SpId = z.string().min(1).max(1024);

export const SamlAuthnRequestReceivedV1 = defineEvent(
  'idp.saml.authn_request_received.v1',
  z.object({
    spEntityId: SpId,
    requestId: z.string(),
    binding: Binding,
    forceAuthn: z.boolean(),
    isPassive: z.boolean(),
  }),
  'A trusted AuthnRequest passed every check and a login transaction started.',
);
export const SamlAuthnRequestRejectedV1 = defineEvent(
  'idp.saml.authn_request_rejected.v1',
  z.object({ spEntityId: SpId.optional(), binding: Binding, errorCode: z.string() }),
  'An AuthnRequest failed a check; nothing was posted anywhere.',
);
export const SamlAssertionIssuedV1 = defineEvent(
  'idp.saml.assertion_issued.v1',
  z.object({
    spEntityId: SpId,
    inResponseTo: z.string(),
    level: LoA,
    nameIdFormat: z.enum(['persistent', 'transient']),
    sessionReused: z.boolean(),
    releasedAttributes: z.array(z.string()),
  }),
  'A signed Response with an assertion went to the SP. Never carries the NameID or attribute values.',
);
export const SamlAuthnFailedV1 = defineEvent(
  'idp.saml.authn_failed.v1',
  z.object({
    spEntityId: SpId,
    inResponseTo: z.string(),
    status: z.enum(['AuthnFailed', 'NoAuthnContext', 'NoPassive', 'RequestDenied']),
    reason: z.string(),
  }),
  'The SP got a SAML error status instead of an assertion (cancel, unreachable level, passive, lock).',
);
export const SamlSessionStartedV1 = defineEvent(
  'idp.session.started.v1',
  z.object({
    sessionId: z.string(),
    accountId: z.string().uuid(),
    level: LoA,
    methods: z.array(z.enum(['password', 'sms_otp'])),
  }),
  'An SSO session began after a successful login.',
);
export const SamlSessionEndedV1 = defineEvent(
  'idp.session.ended.v1',
  z.object({
    sessionId: z.string(),
    accountId: z.string().uuid(),
    reason: z.enum(['logout', 'idle_timeout', 'absolute_timeout']),
    spEntityIds: z.array(SpId),
  }),
  'An SSO session ended; the listed SPs were sent LogoutRequests.',
);

export const SAML_CONTRACTS = [
  SamlAuthnRequestReceivedV1,
  SamlAuthnRequestRejectedV1,
  SamlAssertionIssuedV1,
  SamlAuthnFailedV1,
  SamlSessionStartedV1,
  SamlSessionEndedV1,
];
