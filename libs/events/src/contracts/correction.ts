import { z } from 'zod';
import { defineEvent, defineRpc } from '../define.js';
import { PostalAddress } from './accounts.js';

/**
 * Identity corrections (service `activation`, beside the smsPASS activation requests): a citizen
 * asks for their given name, surname or permanent address to be corrected, and proves it at a
 * registration office (path `ra`) or, for names only, with a qualified certificate (path
 * `certificate`). On approval accounts applies the change. The state machine and its diagram live
 * in services/activation (src/domain/correction.ts). No event carries a name or an address: the
 * proposed values stay in activation's schema while the request is open, and the applied values
 * travel only encrypted, in idp.account.personal_data_changed.v1.
 */
const AccountId = z.string().uuid();
const RequestId = z.string().uuid();
const OfficerId = z.string().uuid();
/**
 * How a citizen proves who they are, for an smsPASS activation and for a correction alike: at a
 * registration office, or with a qualified certificate (activation's `IdentityProofPath` is this).
 */
export const IdentityProofPath = z.enum(['ra', 'certificate']);
/** `C-` and 8 characters of Crockford base32, as activation request numbers are `A-…`. */
export const CorrectionNumber = z.string().regex(/^C-[0-9A-HJKMNP-TV-Z]{8}$/);
export const CorrectionState = z.enum([
  /** Waiting for an officer (path `ra`) or a certificate (path `certificate`); expires after 30 days. */
  'submitted',
  /** accounts applied the change. */
  'approved',
  /** An officer refused it, with a reason. */
  'rejected',
  'cancelled',
  'expired',
]);
/** What a correction can change: identity data, never contact data (which the citizen edits directly). */
export const CorrectedField = z.enum(['given_name', 'family_name', 'address']);
const Name = z.string().trim().min(1).max(100);

/** The values a correction proposes; only the fields it changes. */
export const ProposedIdentity = z.object({
  givenName: Name.optional(),
  familyName: Name.optional(),
  address: PostalAddress.optional(),
});

/** A correction as the citizen and the officer console see it. */
export const CorrectionView = z.object({
  requestId: RequestId,
  requestNumber: CorrectionNumber,
  accountId: AccountId,
  path: IdentityProofPath,
  state: CorrectionState,
  createdAt: z.string().datetime(),
  /** While `submitted`: when it expires. */
  expiresAt: z.string().datetime().optional(),
  fields: z.array(CorrectedField).min(1),
  /** While `submitted` only: the values are erased when the request ends (accounts holds them once applied). */
  proposed: ProposedIdentity.optional(),
  rejectionReason: z.string().optional(),
});

const Certificate = {
  /** The client certificate as the gateway's mTLS listener (or a trusted proxy) received it, PEM. */
  certificatePem: z.string().min(1).max(20_000),
  /** Intermediate certificates the client sent, PEM, leaf first. */
  chainPem: z.array(z.string().max(20_000)).max(5).default([]),
};

export const correctionRpc = {
  requestCorrection: defineRpc(
    'idp.rpc.activation.request_correction.v1',
    ProposedIdentity.extend({ accountId: AccountId, path: IdentityProofPath }),
    CorrectionView,
    'The logged-in citizen asks for their name or permanent address to be corrected (only what differs ' +
      'from the record counts); an address needs path `ra`.',
  ),
  getCorrection: defineRpc(
    'idp.rpc.activation.get_correction.v1',
    z.object({ accountId: AccountId }),
    z.object({ correction: CorrectionView.optional() }),
    "The citizen's newest identity correction, if any.",
  ),
  presentCorrectionCertificate: defineRpc(
    'idp.rpc.activation.present_correction_certificate.v1',
    z.object({ accountId: AccountId, requestId: RequestId, ...Certificate }),
    CorrectionView,
    'Path `certificate`: the checks of activation path B (trusted CA, validity, CRL, tax number), then ' +
      'the subject given name and surname must equal the corrected ones; on success accounts applies it.',
  ),
  cancelCorrection: defineRpc(
    'idp.rpc.activation.cancel_correction.v1',
    z.object({ accountId: AccountId, requestId: RequestId }),
    CorrectionView,
    'The citizen withdraws a submitted correction.',
  ),
};

/**
 * Answered by accounts, called by activation when a correction is approved. Idempotent by
 * `requestId`: a retried call after a lost reply changes nothing twice. The values travel in this
 * request (requests are never stored); the event accounts records carries them encrypted.
 */
export const accountsCorrectionRpc = {
  correctIdentity: defineRpc(
    'idp.rpc.accounts.correct_identity.v1',
    ProposedIdentity.extend({ accountId: AccountId, requestId: RequestId }),
    z.object({ accountId: AccountId, changed: z.array(CorrectedField) }),
    'Applies an approved identity correction (the account state machine decides if it may), records ' +
      "idp.account.personal_data_changed.v1 with the new values encrypted, and tells the account's e-mail address.",
  ),
};

const Base = { requestId: RequestId, accountId: AccountId };
const Fields = z.array(CorrectedField).min(1);

export const ActivationCorrectionSubmittedV1 = defineEvent(
  'idp.activation.correction_submitted.v1',
  z.object({ ...Base, path: IdentityProofPath, fields: Fields }),
  'A citizen asked for an identity correction (which fields, never the values).',
);
export const ActivationCorrectionCertificateRefusedV1 = defineEvent(
  'idp.activation.correction_certificate_refused.v1',
  z.object({
    ...Base,
    /** `name_mismatch`: a valid certificate of this person whose names differ from the corrected ones. */
    reason: z.enum([
      'untrusted',
      'expired',
      'not_yet_valid',
      'revoked',
      'subject_mismatch',
      'malformed',
      'name_mismatch',
    ]),
  }),
  'Path `certificate`: a presented certificate did not prove the correction (the request stays open).',
);
export const ActivationCorrectionApprovedV1 = defineEvent(
  'idp.activation.correction_approved.v1',
  z.object({
    ...Base,
    fields: Fields,
    via: z.enum(['officer', 'certificate']),
    /** `via: officer`: who checked the ID document (idp.ra.correction_approved.v1 has the document). */
    officerId: OfficerId.optional(),
    /** `via: certificate`: the certificate that proved the names. */
    certificate: z.object({ issuer: z.string(), serialNumber: z.string() }).optional(),
  }),
  'A correction was approved and accounts applied it (the values are in idp.account.personal_data_changed.v1, encrypted).',
);
export const ActivationCorrectionRejectedV1 = defineEvent(
  'idp.activation.correction_rejected.v1',
  z.object({ ...Base, officerId: OfficerId }),
  'An officer rejected the correction (the reason is in idp.ra.correction_rejected.v1).',
);
export const ActivationCorrectionCancelledV1 = defineEvent(
  'idp.activation.correction_cancelled.v1',
  z.object(Base),
  'The citizen withdrew the correction.',
);
export const ActivationCorrectionExpiredV1 = defineEvent(
  'idp.activation.correction_expired.v1',
  z.object(Base),
  'The correction was not decided in time.',
);

export const CORRECTION_CONTRACTS = [
  ...Object.values(correctionRpc),
  ...Object.values(accountsCorrectionRpc),
  ActivationCorrectionSubmittedV1,
  ActivationCorrectionCertificateRefusedV1,
  ActivationCorrectionApprovedV1,
  ActivationCorrectionRejectedV1,
  ActivationCorrectionCancelledV1,
  ActivationCorrectionExpiredV1,
];
