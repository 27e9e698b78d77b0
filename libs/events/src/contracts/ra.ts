import { z } from 'zod';
import { defineEvent, defineRpc } from '../define.js';

/**
 * The registration authority (service `registration-authority`): officers check ID documents for
 * path `ra` activation requests and identity corrections, and may suspend or reinstate a citizen's smsPASS. Every officer
 * action is an event naming the officer. Document numbers and personal data stay in the RA's own
 * schema; events carry ids and the document type only.
 */
export const RA_ERROR_CODES = [
  'ra.invalid_credentials',
  'ra.totp_invalid',
  /** The officer has not enrolled an authenticator yet. */
  'ra.totp_enrolment_required',
  'ra.officer_disabled',
  'ra.session_expired',
  /** Too many failed logins: the officer account refuses logins for a while. */
  'ra.officer_locked',
  /** A console form came back without the token of the session (or login page) that served it. */
  'ra.csrf_token_invalid',
  'ra.officer_exists',
  'ra.officer_not_found',
  /** An officer password shorter than 12 characters (or longer than 1024). */
  'ra.weak_password',
  /** The ID document checked has already expired: it cannot prove the identity. */
  'ra.document_expired',
  /** The activation request or correction is not waiting for an officer (already decided, expired, cancelled…). */
  'ra.request_not_pending',
  /** An officer of this RA already approved or rejected the request. */
  'ra.request_already_decided',
  /** Suspend needs an active smsPASS, reinstate a suspended one. */
  'ra.smspass_state_conflict',
  /** A console form field is missing or malformed (the message names it). */
  'ra.invalid_form',
] as const;

const OfficerId = z.string().uuid();
const AccountId = z.string().uuid();
const RequestId = z.string().uuid();
export const IdDocumentType = z.enum(['identity_card', 'passport', 'driving_licence']);

export const RaOfficerEnrolledV1 = defineEvent(
  'idp.ra.officer_enrolled.v1',
  z.object({ officerId: OfficerId }),
  'An officer enrolled an authenticator app (TOTP).',
);
export const RaOfficerLoggedInV1 = defineEvent(
  'idp.ra.officer_logged_in.v1',
  z.object({ officerId: OfficerId }),
  'An officer logged in to the console with password and TOTP.',
);
export const RaOfficerLoginFailedV1 = defineEvent(
  'idp.ra.officer_login_failed.v1',
  z.object({
    officerId: OfficerId.optional(),
    /** `locked`: too many failures; the officer account refuses logins for a while. */
    reason: z.enum(['wrong_password', 'wrong_totp', 'unknown', 'disabled', 'locked']),
  }),
  'A console login failed.',
);
/** An officer's approval after checking the ID document: the same facts for activations and corrections. */
const OfficerApproval = z.object({
  officerId: OfficerId,
  requestId: RequestId,
  accountId: AccountId,
  documentType: IdDocumentType,
  /** Only the expiry date; the document number stays in the RA schema. */
  documentExpiresOn: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
});
/** An officer's rejection, with the reason the citizen is told. */
const OfficerRejection = z.object({
  officerId: OfficerId,
  requestId: RequestId,
  accountId: AccountId,
  reason: z.string().min(1).max(500),
});
export const RaIdentityConfirmedV1 = defineEvent(
  'idp.ra.identity_confirmed.v1',
  OfficerApproval,
  'An officer compared the ID document with the personal data and approved the activation request.',
);
export const RaRequestRejectedV1 = defineEvent(
  'idp.ra.request_rejected.v1',
  OfficerRejection,
  'An officer rejected an activation request, with a reason.',
);
export const RaCorrectionApprovedV1 = defineEvent(
  'idp.ra.correction_approved.v1',
  OfficerApproval,
  'An officer checked the ID document against the proposed name or address and approved the identity correction.',
);
export const RaCorrectionRejectedV1 = defineEvent(
  'idp.ra.correction_rejected.v1',
  OfficerRejection,
  'An officer rejected an identity correction, with a reason.',
);
export const RaSmsPassSuspendedV1 = defineEvent(
  'idp.ra.smspass_suspended.v1',
  z.object({ officerId: OfficerId, accountId: AccountId, reason: z.string().min(1).max(500) }),
  "An officer suspended a citizen's smsPASS (abuse); accounts applies it.",
);
export const RaSmsPassReinstatedV1 = defineEvent(
  'idp.ra.smspass_reinstated.v1',
  z.object({ officerId: OfficerId, accountId: AccountId, reason: z.string().min(1).max(500) }),
  'An officer reinstated a suspended smsPASS; accounts applies it.',
);

export const RaOfficerCreatedV1 = defineEvent(
  'idp.ra.officer_created.v1',
  z.object({ officerId: OfficerId }),
  'An operator created an officer account (the name and e-mail stay in the RA schema).',
);
export const RaOfficerDisabledV1 = defineEvent(
  'idp.ra.officer_disabled.v1',
  z.object({ officerId: OfficerId }),
  'An operator disabled an officer account; its console sessions end.',
);

const OfficerEmail = z.string().trim().toLowerCase().email().max(254);

/** Operator commands answered by the registration-authority service (`pnpm idp officer …`). */
export const raRpc = {
  createOfficer: defineRpc(
    'idp.rpc.registration-authority.create_officer.v1',
    z.object({
      email: OfficerEmail,
      displayName: z.string().trim().min(1).max(100),
      /** The initial password (argon2id at rest); the operator hands it over out of band. */
      password: z.string().min(1).max(1024),
    }),
    z.object({ officerId: OfficerId }),
    'Creates an officer account; the officer enrols an authenticator app at the first login.',
  ),
  disableOfficer: defineRpc(
    'idp.rpc.registration-authority.disable_officer.v1',
    z.object({ email: OfficerEmail }),
    z.object({ officerId: OfficerId, disabled: z.literal(true) }),
    'Disables an officer account and ends its console sessions (idempotent).',
  ),
};

/**
 * Answered by accounts for the officer console: which account has this tax number. The tax
 * number travels in the request only (requests are never stored), never in an event.
 */
export const accountsOfficerLookupRpc = {
  findByTaxNumber: defineRpc(
    'idp.rpc.accounts.find_by_tax_number.v1',
    z.object({ taxNumber: z.string().trim().min(1).max(20) }),
    z.object({ accountId: AccountId }),
    'The account with this Slovenian tax number (SI prefix and spaces allowed), or accounts.not_found.',
  ),
};

export const RA_CONTRACTS = [
  ...Object.values(raRpc),
  ...Object.values(accountsOfficerLookupRpc),
  RaOfficerCreatedV1,
  RaOfficerDisabledV1,
  RaOfficerEnrolledV1,
  RaOfficerLoggedInV1,
  RaOfficerLoginFailedV1,
  RaIdentityConfirmedV1,
  RaRequestRejectedV1,
  RaCorrectionApprovedV1,
  RaCorrectionRejectedV1,
  RaSmsPassSuspendedV1,
  RaSmsPassReinstatedV1,
];
