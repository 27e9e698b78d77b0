import type { z } from '@idp/config';
import {
  ActivationCorrectionApprovedV1,
  ActivationCorrectionCancelledV1,
  ActivationCorrectionCertificateRefusedV1,
  ActivationCorrectionExpiredV1,
  ActivationCorrectionRejectedV1,
  ActivationCorrectionSubmittedV1,
  DomainError,
  type CorrectedField as CorrectedFieldSchema,
  type CorrectionState as CorrectionStateSchema,
  type EventData,
  type ProposedIdentity,
} from '@idp/events';
import {
  CERTIFICATE_ERRORS,
  DEFAULT_POLICY,
  emit,
  ids,
  invalidTransition,
  requireState,
  type ActivationPath,
  type ActivationPolicy,
  type Decision,
} from './request.js';

/**
 * One identity correction as a state machine (diagram: correction.mermaid, kept in sync), the
 * sibling of the activation request in request.ts: the same two ways of proving who one is (an
 * officer checking the ID document, or a qualified certificate), the same deadlines, the same
 * shape of decisions. It is submitted, then approved, rejected, cancelled or expired; nothing
 * follows an end. The proposed values exist only while it is submitted: once accounts has applied
 * them, or they were refused, they are erased here. Nothing here does I/O.
 */
export type CorrectionState = z.infer<typeof CorrectionStateSchema>;
export type CorrectedField = z.infer<typeof CorrectedFieldSchema>;
export type Proposed = z.infer<typeof ProposedIdentity>;
export type PostalAddress = NonNullable<Proposed['address']>;
export type CorrectionDecision = Decision<CorrectionRequest>;
export type CorrectionRefusal = EventData<typeof ActivationCorrectionCertificateRefusedV1>['reason'];

export interface CorrectionRequest {
  id: string;
  /** `C-XXXXXXXX`, what the citizen shows the officer. */
  number: string;
  accountId: string;
  path: ActivationPath;
  state: CorrectionState;
  createdAt: Date;
  updatedAt: Date;
  /** When a submitted correction expires; null once it ended. */
  expiresAt: Date | null;
  /** What it changes, in a fixed order. */
  fields: CorrectedField[];
  /** The new values of `fields`; null once the correction ended. */
  proposed: Proposed | null;
  rejectionReason: string | null;
}

/** What accounts holds now, to compare the proposal with. */
export interface CurrentIdentity {
  givenName?: string | undefined;
  familyName?: string | undefined;
  address?: PostalAddress | undefined;
}

export const isCorrectionOpen = (s: CorrectionState): boolean => s === 'submitted';

const FIELD_ORDER: readonly CorrectedField[] = ['given_name', 'family_name', 'address'];

/** A name as it is compared and stored: NFC, no outer or repeated inner spaces. */
const cleanName = (s: string) => s.normalize('NFC').trim().replace(/\s+/g, ' ');
const cleanAddress = (a: PostalAddress): PostalAddress => ({
  street: cleanName(a.street),
  postalCode: a.postalCode.trim(),
  city: cleanName(a.city),
  country: a.country.trim().toUpperCase(),
});
const sameAddress = (a: PostalAddress, b: PostalAddress | undefined) =>
  b !== undefined &&
  (['street', 'postalCode', 'city', 'country'] as const).every(
    (k) => cleanAddress(a)[k] === cleanAddress(b)[k],
  );

/** The proposal reduced to what differs from the record, cleaned as it will be stored. */
export function changes(
  proposed: Proposed,
  current: CurrentIdentity,
): { fields: CorrectedField[]; proposed: Proposed } {
  const out: Proposed = {};
  if (proposed.givenName !== undefined && cleanName(proposed.givenName) !== current.givenName)
    out.givenName = cleanName(proposed.givenName);
  if (proposed.familyName !== undefined && cleanName(proposed.familyName) !== current.familyName)
    out.familyName = cleanName(proposed.familyName);
  if (proposed.address !== undefined && !sameAddress(proposed.address, current.address))
    out.address = cleanAddress(proposed.address);
  const has: Record<CorrectedField, boolean> = {
    given_name: out.givenName !== undefined,
    family_name: out.familyName !== undefined,
    address: out.address !== undefined,
  };
  return { fields: FIELD_ORDER.filter((f) => has[f]), proposed: out };
}

/** Everything that must not outlive a submitted correction: the proposed personal data. */
const closed = (r: CorrectionRequest, state: CorrectionState, now: Date): CorrectionRequest => ({
  ...r,
  state,
  updatedAt: now,
  expiresAt: null,
  proposed: null,
});

export const isCorrectionDue = (r: CorrectionRequest, now: Date): boolean =>
  isCorrectionOpen(r.state) && r.expiresAt !== null && now.getTime() >= r.expiresAt.getTime();

/** Ends a submitted correction whose deadline has passed (the sweep, and every command first). */
export function expireCorrectionIfDue(r: CorrectionRequest, now: Date): CorrectionDecision | undefined {
  if (!isCorrectionDue(r, now)) return undefined;
  return {
    request: closed(r, 'expired', now),
    events: [emit(ActivationCorrectionExpiredV1, ids(r))],
    refusal: new DomainError('precondition', 'activation.request_expired', {
      message: 'the correction expired',
    }),
  };
}

/**
 * The citizen asks for a correction. Only what differs from the record counts; nothing differing
 * is refused, and so is an address by certificate: a certificate names a person, not where they live.
 */
export function submitCorrection(
  o: {
    id: string;
    number: string;
    accountId: string;
    path: ActivationPath;
    proposed: Proposed;
    current: CurrentIdentity;
  },
  now: Date,
  policy: ActivationPolicy = DEFAULT_POLICY,
): CorrectionDecision {
  const { fields, proposed } = changes(o.proposed, o.current);
  if (fields.length === 0)
    throw new DomainError('invalid_argument', 'activation.correction_unchanged', {
      message: 'the correction changes nothing on record',
    });
  if (o.path === 'certificate' && fields.includes('address'))
    throw new DomainError('precondition', 'activation.correction_needs_officer', {
      message: 'an address cannot be proven by a certificate',
    });
  const waitMs = o.path === 'ra' ? policy.officerWaitMs : policy.certificateWaitMs;
  const request: CorrectionRequest = {
    id: o.id,
    number: o.number,
    accountId: o.accountId,
    path: o.path,
    state: 'submitted',
    createdAt: now,
    updatedAt: now,
    expiresAt: new Date(now.getTime() + waitMs),
    fields,
    proposed,
    rejectionReason: null,
  };
  return {
    request,
    events: [emit(ActivationCorrectionSubmittedV1, { ...ids(request), path: o.path, fields })],
  };
}

/** A command of one path only, on a submitted correction that has not expired. */
function onSubmitted(
  r: CorrectionRequest,
  command: string,
  path: ActivationPath,
  now: Date,
): CorrectionDecision | undefined {
  requireState(r, command, 'submitted');
  if (r.path !== path) throw invalidTransition(r, `${command} on path ${r.path}`);
  return expireCorrectionIfDue(r, now);
}

export type Approval =
  | { via: 'officer'; officerId: string }
  | { via: 'certificate'; certificate: { issuer: string; serialNumber: string } };

/**
 * An officer checked the ID document (path `ra`), or a certificate carried the corrected names
 * (path `certificate`). The caller has accounts apply `proposed` in the same transaction.
 */
export function approveCorrection(r: CorrectionRequest, approval: Approval, now: Date): CorrectionDecision {
  const due = onSubmitted(r, 'approve', approval.via === 'officer' ? 'ra' : 'certificate', now);
  if (due) return due;
  return {
    request: closed(r, 'approved', now),
    events: [emit(ActivationCorrectionApprovedV1, { ...ids(r), fields: r.fields, ...approval })],
  };
}

/** Path `ra`: an officer refused the correction. */
export function rejectCorrection(
  r: CorrectionRequest,
  o: { officerId: string; reason: string },
  now: Date,
): CorrectionDecision {
  const due = onSubmitted(r, 'reject', 'ra', now);
  if (due) return due;
  return {
    request: { ...closed(r, 'rejected', now), rejectionReason: o.reason },
    events: [emit(ActivationCorrectionRejectedV1, { ...ids(r), officerId: o.officerId })],
  };
}

/** Path `certificate`: a presented certificate did not prove the correction; another may. */
export function refuseCorrectionCertificate(
  r: CorrectionRequest,
  reason: CorrectionRefusal,
  now: Date,
): CorrectionDecision {
  const due = onSubmitted(r, 'present_certificate', 'certificate', now);
  if (due) return due;
  return {
    request: r,
    events: [emit(ActivationCorrectionCertificateRefusedV1, { ...ids(r), reason })],
    refusal: new DomainError(
      'permission_denied',
      reason === 'name_mismatch' ? 'activation.certificate_name_mismatch' : CERTIFICATE_ERRORS[reason],
      { message: `certificate refused: ${reason}` },
    ),
  };
}

/** The citizen withdraws a submitted correction. */
export function cancelCorrection(r: CorrectionRequest, now: Date): CorrectionDecision {
  requireState(r, 'cancel', 'submitted');
  const due = expireCorrectionIfDue(r, now);
  if (due) return due;
  return { request: closed(r, 'cancelled', now), events: [emit(ActivationCorrectionCancelledV1, ids(r))] };
}

/** The names the account will have once the correction is applied: what a certificate must carry. */
export function namesAfter(
  r: CorrectionRequest,
  current: Omit<CurrentIdentity, 'address'>,
): { givenName: string | undefined; familyName: string | undefined } {
  return {
    givenName: r.proposed?.givenName ?? current.givenName,
    familyName: r.proposed?.familyName ?? current.familyName,
  };
}

/** Upper case with Slovenian rules: certificates often write names in capitals. */
const comparable = (s: string | undefined) => (s === undefined ? '' : cleanName(s).toLocaleUpperCase('sl'));

/**
 * Whether a certificate's subject names this person as the corrected account will: given name and
 * surname both present and equal (case and spacing aside).
 */
export function certificateNamesMatch(
  certificate: { givenName?: string | undefined; surname?: string | undefined },
  expected: { givenName: string | undefined; familyName: string | undefined },
): boolean {
  const given = comparable(certificate.givenName);
  const surname = comparable(certificate.surname);
  return (
    given !== '' &&
    surname !== '' &&
    given === comparable(expected.givenName) &&
    surname === comparable(expected.familyName)
  );
}
