import type { z } from '@idp/config';
import {
  ActivationBlockedV1,
  ActivationCancelledV1,
  ActivationCertificateAcceptedV1,
  ActivationCertificateRefusedV1,
  ActivationCodeAcceptedV1,
  ActivationCodeRejectedV1,
  ActivationCodeSentV1,
  ActivationCompletedV1,
  ActivationExpiredV1,
  ActivationRejectedV1,
  ActivationRequestedV1,
  DomainError,
  type ActivationPath as ActivationPathSchema,
  type ActivationState as ActivationStateSchema,
  type EventData,
  type EventDef,
} from '@idp/events';

/**
 * One smsPASS activation request as a state machine (diagram: request.mermaid, kept in sync).
 * Every command takes the request as stored and the time, and returns the request after it and the
 * events it caused; a command the current state does not allow throws `activation.invalid_transition`.
 * Nothing here does I/O: codes are hashed, certificates checked and SMS sent by the callers.
 */
export type ActivationState = z.infer<typeof ActivationStateSchema>;
export type ActivationPath = z.infer<typeof ActivationPathSchema>;
export type CodeChannel = 'email' | 'post';
export type CertificateRefusal = EventData<typeof ActivationCertificateRefusedV1>['reason'];

export const OPEN_STATES = [
  'awaiting_officer',
  'awaiting_certificate',
  'code_sent',
  'phone_pending',
] as const;
export type OpenState = (typeof OPEN_STATES)[number];
export const isOpen = (s: ActivationState): s is OpenState => (OPEN_STATES as readonly string[]).includes(s);

const DAY_MS = 86_400_000;

export interface ActivationPolicy {
  /**
   * Path `ra`: how long a request waits for an officer (SI-PASS cancels after 30 days); identity
   * corrections wait as long.
   */
  officerWaitMs: number;
  /** Path `certificate`: how long a request (or a correction) waits for the certificate. */
  certificateWaitMs: number;
  emailCodeValidMs: number;
  postCodeValidMs: number;
  /** Wrong activation codes before the request is blocked. */
  maxCodeAttempts: number;
}

export const DEFAULT_POLICY: Readonly<ActivationPolicy> = {
  officerWaitMs: 30 * DAY_MS,
  certificateWaitMs: 30 * DAY_MS,
  emailCodeValidMs: 15 * DAY_MS,
  postCodeValidMs: 30 * DAY_MS,
  maxCodeAttempts: 5,
};

export interface ActivationRequest {
  id: string;
  /** `A-XXXXXXXX`, what the citizen shows the officer. */
  number: string;
  accountId: string;
  path: ActivationPath;
  state: ActivationState;
  createdAt: Date;
  updatedAt: Date;
  /** When the current state times out; null in final states. */
  expiresAt: Date | null;
  codeChannel: CodeChannel | null;
  /** HMAC of the activation code (see code.ts); null before it is sent and after the request ends. */
  codeHash: string | null;
  /** Wrong activation codes so far. */
  codeAttempts: number;
  /** The phone being proven, kept only while the request is in `phone_pending`. */
  pendingPhone: string | null;
  phoneChallengeId: string | null;
  /** Set once otp-sender accepted the SMS code; the binding at accounts may still be outstanding. */
  phoneVerifiedAt: Date | null;
  rejectionReason: string | null;
}

/** An event this machine decided, not yet wrapped in an envelope. */
export interface Emitted<E extends EventDef = EventDef> {
  def: E;
  data: EventData<E>;
}
export const emit = <E extends EventDef>(def: E, data: EventData<E>): Emitted => ({ def, data });

/**
 * The result of a command. `refusal`, when set, is what the caller answers after saving `request`
 * and publishing `events`: a refused command can still change the request (a wrong code counts).
 * Identity corrections (correction.ts) decide with the same shape.
 */
export interface Decision<R = ActivationRequest> {
  request: R;
  events: Emitted[];
  refusal?: DomainError;
}

export const ids = (r: { id: string; accountId: string }) => ({ requestId: r.id, accountId: r.accountId });

export const invalidTransition = (r: { state: string }, command: string) =>
  new DomainError('precondition', 'activation.invalid_transition', {
    message: `${command} is not allowed in state ${r.state}`,
  });

export function requireState<S extends string>(r: { state: S }, command: string, ...allowed: S[]): void {
  if (!allowed.includes(r.state)) throw invalidTransition(r, command);
}

/** Everything that must not outlive an open request: the code's hash and the phone being proven. */
const closed = (r: ActivationRequest, state: ActivationState, now: Date): ActivationRequest => ({
  ...r,
  state,
  updatedAt: now,
  expiresAt: null,
  codeHash: null,
  pendingPhone: null,
  phoneChallengeId: null,
});

export const isDue = (r: ActivationRequest, now: Date): boolean =>
  isOpen(r.state) && r.expiresAt !== null && now.getTime() >= r.expiresAt.getTime();

/**
 * Times the request out when its current state's deadline has passed (the sweep, and every command
 * first: a request past its deadline takes nothing else). Undefined when it is not due.
 */
export function expireIfDue(r: ActivationRequest, now: Date): Decision | undefined {
  if (!isDue(r, now)) return undefined;
  const codeExpired = r.state === 'code_sent' || r.state === 'phone_pending';
  return {
    request: closed(r, 'expired', now),
    events: [emit(ActivationExpiredV1, { ...ids(r), from: r.state })],
    refusal: codeExpired
      ? new DomainError('precondition', 'activation.code_expired', { message: 'the activation code expired' })
      : new DomainError('precondition', 'activation.request_expired', { message: 'the request expired' }),
  };
}

/** The citizen asks for smsPASS; the path decides who proves the identity. */
export function openRequest(
  o: { id: string; number: string; accountId: string; path: ActivationPath },
  now: Date,
  policy: ActivationPolicy = DEFAULT_POLICY,
): Decision {
  const waitMs = o.path === 'ra' ? policy.officerWaitMs : policy.certificateWaitMs;
  const request: ActivationRequest = {
    id: o.id,
    number: o.number,
    accountId: o.accountId,
    path: o.path,
    state: o.path === 'ra' ? 'awaiting_officer' : 'awaiting_certificate',
    createdAt: now,
    updatedAt: now,
    expiresAt: new Date(now.getTime() + waitMs),
    codeChannel: null,
    codeHash: null,
    codeAttempts: 0,
    pendingPhone: null,
    phoneChallengeId: null,
    phoneVerifiedAt: null,
    rejectionReason: null,
  };
  return { request, events: [emit(ActivationRequestedV1, { ...ids(request), path: o.path })] };
}

function codeSent(
  r: ActivationRequest,
  channel: CodeChannel,
  codeHash: string,
  now: Date,
  p: ActivationPolicy,
) {
  const expiresAt = new Date(now.getTime() + (channel === 'email' ? p.emailCodeValidMs : p.postCodeValidMs));
  const request: ActivationRequest = {
    ...r,
    state: 'code_sent',
    updatedAt: now,
    expiresAt,
    codeChannel: channel,
    codeHash,
    codeAttempts: 0,
  };
  return {
    request,
    event: emit(ActivationCodeSentV1, { ...ids(r), channel, expiresAt: expiresAt.toISOString() }),
  };
}

/** Path `ra`: an officer checked the ID document; the code goes out by e-mail. */
export function confirmIdentity(
  r: ActivationRequest,
  codeHash: string,
  now: Date,
  policy: ActivationPolicy = DEFAULT_POLICY,
): Decision {
  requireState(r, 'confirm_identity', 'awaiting_officer');
  const due = expireIfDue(r, now);
  if (due) return due;
  const sent = codeSent(r, 'email', codeHash, now, policy);
  return { request: sent.request, events: [sent.event] };
}

/** Path `ra`: an officer refused the request. */
export function rejectRequest(
  r: ActivationRequest,
  o: { officerId: string; reason: string },
  now: Date,
): Decision {
  requireState(r, 'reject', 'awaiting_officer');
  const due = expireIfDue(r, now);
  if (due) return due;
  return {
    request: { ...closed(r, 'rejected', now), rejectionReason: o.reason },
    events: [emit(ActivationRejectedV1, { ...ids(r), officerId: o.officerId })],
  };
}

/** Path `certificate`: the certificate proved the identity; the code goes out by post. */
export function acceptCertificate(
  r: ActivationRequest,
  cert: { issuer: string; serialNumber: string },
  codeHash: string,
  now: Date,
  policy: ActivationPolicy = DEFAULT_POLICY,
): Decision {
  requireState(r, 'present_certificate', 'awaiting_certificate');
  const due = expireIfDue(r, now);
  if (due) return due;
  const sent = codeSent(r, 'post', codeHash, now, policy);
  return {
    request: sent.request,
    events: [emit(ActivationCertificateAcceptedV1, { ...ids(r), ...cert }), sent.event],
  };
}

export const CERTIFICATE_ERRORS: Record<CertificateRefusal, DomainError['code']> = {
  untrusted: 'activation.certificate_untrusted',
  expired: 'activation.certificate_untrusted',
  not_yet_valid: 'activation.certificate_untrusted',
  malformed: 'activation.certificate_untrusted',
  revoked: 'activation.certificate_revoked',
  subject_mismatch: 'activation.certificate_subject_mismatch',
};

/** Path `certificate`: a presented certificate failed a check. The request stays open for another. */
export function refuseCertificate(r: ActivationRequest, reason: CertificateRefusal, now: Date): Decision {
  requireState(r, 'present_certificate', 'awaiting_certificate');
  const due = expireIfDue(r, now);
  if (due) return due;
  return {
    request: r,
    events: [emit(ActivationCertificateRefusedV1, { ...ids(r), reason })],
    refusal: new DomainError('permission_denied', CERTIFICATE_ERRORS[reason], {
      message: `certificate refused: ${reason}`,
    }),
  };
}

/**
 * Whether the request can take an activation code now. Throws for a state without a code; returns
 * the expiry decision when the code's time is up (the attempt is recorded as `expired`).
 */
export function codeEntryRefusal(r: ActivationRequest, now: Date): Decision | undefined {
  if (r.state === 'blocked')
    throw new DomainError('precondition', 'activation.request_blocked', { message: 'request blocked' });
  requireState(r, 'enter_code', 'code_sent', 'phone_pending');
  const due = expireIfDue(r, now);
  if (!due) return undefined;
  return {
    ...due,
    events: [
      emit(ActivationCodeRejectedV1, { ...ids(r), attempt: r.codeAttempts + 1, reason: 'expired' }),
      ...due.events,
    ],
  };
}

export type CodeAttempt = { matches: false } | { matches: true; phone: string; challengeId: string };

/**
 * The citizen typed the activation code and a phone. A right code moves to `phone_pending` with
 * the SMS challenge the caller issued to that phone. Entered again in `phone_pending` (a mistyped
 * number, an SMS that never came), the same code restarts the phone proof with a new challenge: the
 * code is spent only when a phone is bound, and it still counts wrong tries.
 */
export function enterCode(
  r: ActivationRequest,
  attempt: CodeAttempt,
  now: Date,
  policy: ActivationPolicy = DEFAULT_POLICY,
): Decision {
  const refused = codeEntryRefusal(r, now);
  if (refused) return refused;
  if (!attempt.matches) {
    const attempts = r.codeAttempts + 1;
    const rejected = emit(ActivationCodeRejectedV1, { ...ids(r), attempt: attempts, reason: 'wrong_code' });
    if (attempts >= policy.maxCodeAttempts) {
      return {
        request: { ...closed(r, 'blocked', now), codeAttempts: attempts },
        events: [rejected, emit(ActivationBlockedV1, ids(r))],
        refusal: new DomainError('precondition', 'activation.request_blocked', {
          message: 'too many wrong activation codes',
        }),
      };
    }
    return {
      request: { ...r, codeAttempts: attempts, updatedAt: now },
      events: [rejected],
      refusal: new DomainError('unauthenticated', 'activation.code_invalid', {
        message: `wrong activation code; attemptsLeft=${policy.maxCodeAttempts - attempts}`,
      }),
    };
  }
  return {
    request: {
      ...r,
      state: 'phone_pending',
      updatedAt: now,
      pendingPhone: attempt.phone,
      phoneChallengeId: attempt.challengeId,
      phoneVerifiedAt: null,
    },
    events: [emit(ActivationCodeAcceptedV1, { ...ids(r), phoneChallengeId: attempt.challengeId })],
  };
}

/**
 * Whether the SMS code can be checked now: throws outside `phone_pending`, returns the expiry
 * decision when the code's time ran out before the phone was proven.
 */
export function phoneConfirmationRefusal(r: ActivationRequest, now: Date): Decision | undefined {
  requireState(r, 'confirm_phone', 'phone_pending');
  // Once the SMS code was accepted only the binding at accounts is outstanding: the deadline no
  // longer applies, or a reply lost at the deadline would strand a proven phone.
  return r.phoneVerifiedAt ? undefined : expireIfDue(r, now);
}

/** otp-sender accepted the SMS code for this request's challenge. No event: otp-sender emits its own. */
export function phoneVerified(r: ActivationRequest, now: Date): Decision {
  const refused = phoneConfirmationRefusal(r, now);
  if (refused) return refused;
  return { request: { ...r, phoneVerifiedAt: r.phoneVerifiedAt ?? now, updatedAt: now }, events: [] };
}

/** accounts bound the proven phone and made smsPASS active: the request is done. */
export function complete(r: ActivationRequest, now: Date): Decision {
  requireState(r, 'complete', 'phone_pending');
  if (!r.phoneVerifiedAt) throw invalidTransition(r, 'complete (phone not proven)');
  return {
    request: closed(r, 'completed', now),
    events: [emit(ActivationCompletedV1, { ...ids(r), path: r.path })],
  };
}

/** The citizen withdraws an open request. */
export function cancelRequest(r: ActivationRequest, now: Date): Decision {
  requireState(r, 'cancel', ...OPEN_STATES);
  const due = expireIfDue(r, now);
  if (due) return due;
  return { request: closed(r, 'cancelled', now), events: [emit(ActivationCancelledV1, ids(r))] };
}
