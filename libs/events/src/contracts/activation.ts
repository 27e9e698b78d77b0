import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { Sealer } from '../seal.js';
import { defineEvent, defineJob, defineRpc } from '../define.js';
import { E164 } from './phone.js';
import { CorrectionNumber, CorrectionState, CorrectionView, IdentityProofPath } from './correction.js';

/**
 * The smsPASS activation workflow (service `activation`): one request per attempt to activate,
 * proven either at the registration authority (path `ra`) or by a qualified certificate (path
 * `certificate`), then an activation code (e-mail for `ra`, post for `certificate`), then a phone
 * proven by an SMS code. The state machine and its diagram live in services/activation.
 */
export const ACTIVATION_ERROR_CODES = [
  'activation.request_not_found',
  /** The citizen already has an open request, or smsPASS is already active. */
  'activation.request_exists',
  /** The transition is not allowed from the request's current state. */
  'activation.invalid_transition',
  'activation.request_expired',
  /** Wrong activation code; the request still takes tries. */
  'activation.code_invalid',
  'activation.code_expired',
  /** Five wrong activation codes: the request is blocked and a new one is needed. */
  'activation.request_blocked',
  /** The client certificate does not chain to a trusted CA, is expired or not yet valid. */
  'activation.certificate_untrusted',
  'activation.certificate_revoked',
  /** The certificate's tax number differs from the account's. */
  'activation.certificate_subject_mismatch',
  'activation.letter_not_found',
  /**
   * The account lacks personal data the chosen path needs (path `certificate`: a tax number to
   * compare and a permanent address to post the letter to).
   */
  'activation.personal_data_incomplete',
  /** The citizen already has a correction waiting for a decision. */
  'activation.correction_exists',
  /** The correction proposes nothing that differs from the record. */
  'activation.correction_unchanged',
  /** An address cannot be proven by a certificate: such a correction goes through an officer. */
  'activation.correction_needs_officer',
  /** A valid certificate of this person whose given name or surname differs from the corrected one. */
  'activation.certificate_name_mismatch',
] as const;

const AccountId = z.string().uuid();
const RequestId = z.string().uuid();
/** Short, human-friendly number an officer types in: `A-` and 8 characters of Crockford base32. */
const RequestNumber = z.string().regex(/^A-[0-9A-HJKMNP-TV-Z]{8}$/);
const OfficerId = z.string().uuid();
export const ActivationPath = IdentityProofPath;
export const ActivationState = z.enum([
  /** Path `ra`: waiting for an officer to check the ID document (expires after 30 days). */
  'awaiting_officer',
  /** Path `certificate`: waiting for the citizen to present a qualified certificate. */
  'awaiting_certificate',
  /** An activation code went out (e-mail 15 days, post 30 days). */
  'code_sent',
  /** The activation code was right; waiting for the SMS code proving the new phone. */
  'phone_pending',
  'completed',
  'rejected',
  'expired',
  'cancelled',
  /** Five wrong activation codes. */
  'blocked',
]);

/** The citizen-facing view of a request (no code, no personal data beyond what the citizen typed). */
export const ActivationRequestView = z.object({
  requestId: RequestId,
  requestNumber: RequestNumber,
  accountId: AccountId,
  path: ActivationPath,
  state: ActivationState,
  createdAt: z.string().datetime(),
  /** When the current state times out (officer wait, code validity). */
  expiresAt: z.string().datetime().optional(),
  codeChannel: z.enum(['email', 'post']).optional(),
  codeAttemptsLeft: z.number().int().nonnegative().optional(),
  /** Set in `phone_pending`: the otp-sender challenge the SMS code answers. */
  phoneChallengeId: z.string().uuid().optional(),
  rejectionReason: z.string().optional(),
});

/** A postal letter with an activation code, in the print queue. */
export const LetterView = z.object({
  letterId: z.string().uuid(),
  requestNumber: RequestNumber,
  state: z.enum(['queued', 'printed', 'posted']),
  createdAt: z.string().datetime(),
  printedAt: z.string().datetime().optional(),
  postedAt: z.string().datetime().optional(),
  /** Where the PDF is (development: a file under var/). */
  pdfPath: z.string(),
});

/** Mails the activation service knows how to write, in Slovenian and English. */
export const MAIL_TEMPLATES = [
  /** Link that confirms a new account's e-mail address. Params: `token`. */
  'email_confirmation',
  /** "Someone tried to register with your address" (the address already has an account). */
  'duplicate_registration',
  /** Link that sets a new password. Params: `token`. */
  'password_reset',
  /** "Your password was changed" (to the account address, after a change or reset). */
  'password_changed',
  /** The smsPASS activation code (path `ra`). Params: `code`, `requestNumber`, `expiresAt` (ISO). */
  'activation_code',
  /** "Your smsPASS activation request expired". Params: `requestNumber`. */
  'activation_expired',
  /** "A phone was added to your account" (to the account address). Params: `phoneHint` (masked). */
  'phone_added',
  /**
   * "Your name / permanent address was corrected" (to the account address, from accounts). Params:
   * `fields`: the corrected fields, comma-separated (`given_name,family_name,address`); never the values.
   */
  'identity_corrected',
] as const;
export const MailTemplate = z.enum(MAIL_TEMPLATES);
export const MailLanguage = z.enum(['sl', 'en']);
export const MailTransportName = z.enum(['smtp', 'dev_sink']);

/** What a sealed mail job holds: the recipient and the template parameters (tokens among them). */
export const SealedMail = z.object({
  to: z.string().email(),
  params: z.record(z.string(), z.string()),
});

const MailId = z.string().uuid();

export const ActivationMailSendJobV1 = defineJob(
  'idp.work.mail.send.v1',
  z.object({
    mailId: MailId,
    template: MailTemplate,
    language: MailLanguage,
    /**
     * `{to, params}` (SealedMail) sealed with AES-256-GCM under the key producers and the mail
     * worker share (`MAIL_SEAL_KEY`), bound to `mailId`: the address and any link token never sit
     * in a stream or an outbox row in clear.
     */
    sealed: z.string(),
  }),
  'Deliver one e-mail, rendered by the worker from a template. Retried with backoff; dead-lettered after the last attempt.',
);

/**
 * The job for one mail: a fresh mail id and `{to, params}` sealed to it. Every producer (accounts,
 * activation) seals this way and the worker opens with `openMailJob`, so the two cannot drift.
 */
export function sealMailJob(
  sealer: Sealer,
  m: {
    to: string;
    params: Record<string, string>;
    template: z.infer<typeof MailTemplate>;
    language: z.infer<typeof MailLanguage>;
  },
): z.infer<typeof ActivationMailSendJobV1.schema> {
  const mailId = randomUUID();
  const sealed = sealer.seal(JSON.stringify({ to: m.to, params: m.params }), mailId);
  return { mailId, template: m.template, language: m.language, sealed };
}

/** The recipient and parameters of a mail job; throws when it does not open or is not a SealedMail. */
export const openMailJob = (
  sealer: Sealer,
  job: { mailId: string; sealed: string },
): z.infer<typeof SealedMail> => SealedMail.parse(JSON.parse(sealer.open(job.sealed, job.mailId)));

/** One message as the development mail sink recorded it (never produced in production). */
const DevMail = z.object({
  to: z.string(),
  subject: z.string(),
  text: z.string(),
  sentAt: z.string().datetime(),
});

export const activationRpc = {
  devMail: defineRpc(
    'idp.rpc.activation.dev_mail.v1',
    z.object({
      limit: z.number().int().min(1).max(200).default(50),
      /** Only messages to this address. */
      to: z.string().optional(),
    }),
    z.object({ messages: z.array(DevMail) }),
    'Development only: the newest mails from the development sink, newest first (for /dev/mail). ' +
      'Answered only when MAIL_TRANSPORT=dev_sink and IDP_ENV is not production.',
  ),
  request: defineRpc(
    'idp.rpc.activation.request.v1',
    z.object({
      accountId: AccountId,
      path: ActivationPath,
      /** The citizen confirmed the personal data shown (accounts holds it; this records the consent). */
      personalDataConfirmed: z.literal(true),
    }),
    ActivationRequestView,
    'The logged-in citizen asks for smsPASS and chooses how to prove identity.',
  ),
  get: defineRpc(
    'idp.rpc.activation.get.v1',
    z.object({ accountId: AccountId }),
    z.object({ request: ActivationRequestView.optional() }),
    "The citizen's newest request, if any.",
  ),
  presentCertificate: defineRpc(
    'idp.rpc.activation.present_certificate.v1',
    z.object({
      accountId: AccountId,
      requestId: RequestId,
      /** The client certificate as the gateway's mTLS listener (or a trusted proxy) received it, PEM. */
      certificatePem: z.string().min(1).max(20_000),
      /** Intermediate certificates the client sent, PEM, leaf first. */
      chainPem: z.array(z.string().max(20_000)).max(5).default([]),
    }),
    ActivationRequestView,
    'Path `certificate`: checks chain, validity, CRL and tax number; on success a letter is queued.',
  ),
  enterCode: defineRpc(
    'idp.rpc.activation.enter_code.v1',
    z.object({
      accountId: AccountId,
      requestId: RequestId,
      code: z.string().trim().min(6).max(32),
      /** The mobile phone to bind, E.164; an SMS code is sent to it. */
      phone: E164,
    }),
    ActivationRequestView,
    'Checks the activation code (5 wrong tries block the request) and sends an SMS code to the phone.',
  ),
  confirmPhone: defineRpc(
    'idp.rpc.activation.confirm_phone.v1',
    z.object({ accountId: AccountId, requestId: RequestId, smsCode: z.string().regex(/^\d{6}$/) }),
    ActivationRequestView,
    'Checks the SMS code; the phone is bound and smsPASS becomes active (idp.activation.completed.v1).',
  ),
  cancel: defineRpc(
    'idp.rpc.activation.cancel.v1',
    z.object({ accountId: AccountId, requestId: RequestId }),
    ActivationRequestView,
    'The citizen withdraws an open request.',
  ),
  /** For the officer console (registration-authority); never reachable from the public edge. */
  findForOfficer: defineRpc(
    'idp.rpc.activation.find_for_officer.v1',
    z.object({
      /** An activation request (`A-…`) or an identity correction (`C-…`). */
      requestNumber: z.union([RequestNumber, CorrectionNumber]).optional(),
      accountIds: z.array(AccountId).max(10).optional(),
      /** Activation requests in this state (corrections are filtered by `correctionState`). */
      state: ActivationState.optional(),
      correctionState: CorrectionState.optional(),
      limit: z.number().int().min(1).max(100).default(20),
    }),
    z.object({
      requests: z.array(ActivationRequestView),
      /** Identity corrections matching the same search, with their proposed values while submitted. */
      corrections: z.array(CorrectionView).default([]),
    }),
    'Activation requests and identity corrections by number, by account (the console looks the tax ' +
      'number up in accounts) or by state.',
  ),
  listLetters: defineRpc(
    'idp.rpc.activation.list_letters.v1',
    z.object({ state: z.enum(['queued', 'printed', 'posted']).optional() }),
    z.object({ letters: z.array(LetterView) }),
    'The postal print queue, for operators.',
  ),
  markLetter: defineRpc(
    'idp.rpc.activation.mark_letter.v1',
    z.object({ letterId: z.string().uuid(), state: z.enum(['printed', 'posted']), by: z.string().min(1) }),
    LetterView,
    'An operator marks a letter printed or posted.',
  ),
};

const Base = { requestId: RequestId, accountId: AccountId };

export const ActivationRequestedV1 = defineEvent(
  'idp.activation.requested.v1',
  z.object({ ...Base, path: ActivationPath }),
  'A citizen asked for smsPASS.',
);
export const ActivationCertificateAcceptedV1 = defineEvent(
  'idp.activation.certificate_accepted.v1',
  z.object({ ...Base, issuer: z.string(), serialNumber: z.string() }),
  'Path `certificate`: the qualified certificate proved the identity.',
);
export const ActivationCertificateRefusedV1 = defineEvent(
  'idp.activation.certificate_refused.v1',
  z.object({
    ...Base,
    reason: z.enum(['untrusted', 'expired', 'not_yet_valid', 'revoked', 'subject_mismatch', 'malformed']),
  }),
  'Path `certificate`: a presented certificate was refused (the request stays open).',
);
export const ActivationCodeSentV1 = defineEvent(
  'idp.activation.code_sent.v1',
  z.object({ ...Base, channel: z.enum(['email', 'post']), expiresAt: z.string().datetime() }),
  'An activation code went out by e-mail (path `ra`) or was queued as a letter (path `certificate`).',
);
export const ActivationCodeRejectedV1 = defineEvent(
  'idp.activation.code_rejected.v1',
  z.object({ ...Base, attempt: z.number().int().positive(), reason: z.enum(['wrong_code', 'expired']) }),
  'A wrong or expired activation code was entered.',
);
export const ActivationCodeAcceptedV1 = defineEvent(
  'idp.activation.code_accepted.v1',
  z.object({ ...Base, phoneChallengeId: z.string().uuid() }),
  'The activation code was right; an SMS code went to the phone being bound.',
);
export const ActivationCompletedV1 = defineEvent(
  'idp.activation.completed.v1',
  z.object({ ...Base, path: ActivationPath }),
  'The phone was proven and accounts bound it (idp.rpc.accounts.activate_smspass.v1): smsPASS is active.',
);
export const ActivationRejectedV1 = defineEvent(
  'idp.activation.rejected.v1',
  z.object({ ...Base, officerId: OfficerId }),
  'An officer rejected the request (the reason is in idp.ra.request_rejected.v1).',
);
export const ActivationBlockedV1 = defineEvent(
  'idp.activation.blocked.v1',
  z.object(Base),
  'Five wrong activation codes: the request is blocked.',
);
export const ActivationExpiredV1 = defineEvent(
  'idp.activation.expired.v1',
  z.object({ ...Base, from: ActivationState }),
  'The request timed out in the given state (the citizen is told by e-mail).',
);
export const ActivationCancelledV1 = defineEvent(
  'idp.activation.cancelled.v1',
  z.object(Base),
  'The citizen withdrew the request.',
);
export const ActivationLetterMarkedV1 = defineEvent(
  'idp.activation.letter_marked.v1',
  z.object({
    letterId: z.string().uuid(),
    requestId: RequestId,
    state: z.enum(['printed', 'posted']),
    by: z.string(),
  }),
  'An operator marked an activation letter printed or posted.',
);

const Delivery = {
  mailId: MailId,
  template: MailTemplate,
  transport: MailTransportName,
  attempts: z.number().int().positive(),
};
export const ActivationMailSentV1 = defineEvent(
  'idp.activation.mail_sent.v1',
  z.object(Delivery),
  'The mail server (or the development sink) accepted an e-mail.',
);
export const ActivationMailFailedV1 = defineEvent(
  'idp.activation.mail_failed.v1',
  z.object({ ...Delivery, error: z.string() }),
  'An e-mail could not be delivered after the last attempt, or could never be (permanent refusal).',
);

/**
 * Answered by accounts, called by activation once the phone is proven. Idempotent by `requestId`:
 * a retried call after a lost reply binds nothing twice. The phone travels in this request (never
 * stored in a stream), not in an event.
 */
export const accountsSmsPassRpc = {
  activateSmsPass: defineRpc(
    'idp.rpc.accounts.activate_smspass.v1',
    z.object({ accountId: AccountId, requestId: RequestId, phone: E164 }),
    z.object({ accountId: AccountId, smsPass: z.literal('active') }),
    'Binds the proven phone and makes smsPASS active (the account state machine decides if it may).',
  ),
};

export const ACTIVATION_CONTRACTS = [
  ...Object.values(activationRpc),
  ActivationMailSendJobV1,
  ActivationMailSentV1,
  ActivationMailFailedV1,
  ...Object.values(accountsSmsPassRpc),
  ActivationRequestedV1,
  ActivationCertificateAcceptedV1,
  ActivationCertificateRefusedV1,
  ActivationCodeSentV1,
  ActivationCodeRejectedV1,
  ActivationCodeAcceptedV1,
  ActivationCompletedV1,
  ActivationRejectedV1,
  ActivationBlockedV1,
  ActivationExpiredV1,
  ActivationCancelledV1,
  ActivationLetterMarkedV1,
];

/** HKDF purpose of the key derived from `MAIL_SEAL_KEY`; producers and the worker must agree on it. */
export const MAIL_SEAL_PURPOSE = 'idp/mail-job/seal/v1';
