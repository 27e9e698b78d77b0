import { z } from 'zod';
import { defineEvent } from '../define.js';

/**
 * The registration authority (service `registration-authority`): officers check ID documents for
 * path `ra` activation requests and may suspend or reinstate a citizen's smsPASS. Every officer
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
    reason: z.enum(['wrong_password', 'wrong_totp', 'unknown', 'disabled']),
  }),
  'A console login failed.',
);
export const RaIdentityConfirmedV1 = defineEvent(
  'idp.ra.identity_confirmed.v1',
  z.object({
    officerId: OfficerId,
    requestId: RequestId,
    accountId: AccountId,
    documentType: IdDocumentType,
    /** Only the expiry date; the document number stays in the RA schema. */
    documentExpiresOn: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
  }),
  'An officer compared the ID document with the personal data and approved the activation request.',
);
export const RaRequestRejectedV1 = defineEvent(
  'idp.ra.request_rejected.v1',
  z.object({
    officerId: OfficerId,
    requestId: RequestId,
    accountId: AccountId,
    reason: z.string().min(1).max(500),
  }),
  'An officer rejected an activation request, with a reason.',
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

export const RA_CONTRACTS = [
  RaOfficerEnrolledV1,
  RaOfficerLoggedInV1,
  RaOfficerLoginFailedV1,
  RaIdentityConfirmedV1,
  RaRequestRejectedV1,
  RaSmsPassSuspendedV1,
  RaSmsPassReinstatedV1,
];
