import { z } from 'zod';
import { defineEvent, defineJob, defineRpc } from '../define.js';
import { E164 } from './phone.js';
import type { Sealer } from '../seal.js';

export const OTP_ERROR_CODES = [
  'otp.challenge_not_found',
  /** Wrong code; the challenge still takes tries. */
  'otp.code_invalid',
  'otp.code_expired',
  /** Too many wrong codes: the challenge is dead, a new login is needed. */
  'otp.challenge_locked',
  'otp.not_pending',
  /** Resend asked before the cooldown ended, or after the last allowed resend. */
  'otp.resend_too_soon',
  'otp.resend_limit',
  /** Per-phone (or per-prefix) hourly cap reached: SMS pumping guard. */
  'otp.phone_rate_limited',
  'otp.destination_not_allowed',
  'otp.sms_failed',
] as const;

const ChallengeId = z.string().uuid();
const AccountId = z.string().uuid();

const ChallengeView = z.object({
  challengeId: ChallengeId,
  expiresAt: z.string().datetime(),
  /** Masked destination, e.g. `+386 •• ••• •• 45`. Never the number or the code. */
  destinationHint: z.string(),
  resendAvailableAt: z.string().datetime().optional(),
  resendsLeft: z.number().int().nonnegative(),
  /** `sending` until the SMS worker reports; `failed` once the last attempt failed. */
  delivery: z.enum(['sending', 'sent', 'failed']),
  /** `expired` when the current code's time is up (a resend may still issue a new one). */
  state: z.enum(['pending', 'verified', 'locked', 'expired']).optional(),
  /** Wrong codes the challenge still takes before it locks. */
  attemptsLeft: z.number().int().nonnegative().optional(),
  /** The account the challenge was issued to. */
  accountId: AccountId.optional(),
  purpose: z.enum(['login', 'bind_phone']).optional(),
  /** Answered by status when asked with a `phone`: whether the challenge's number is that one. */
  phoneMatches: z.boolean().optional(),
});

/** One message as the development SMS sink recorded it (never produced in production). */
const DevSms = z.object({ to: z.string(), text: z.string(), sentAt: z.string().datetime() });

export const otpRpc = {
  issue: defineRpc(
    'idp.rpc.otp.issue.v1',
    z.object({
      accountId: AccountId,
      /** Shown in the SMS so the citizen knows what the code is for. */
      serviceName: z.string().min(1).max(60),
      purpose: z.enum(['login', 'bind_phone']).default('login'),
      /** For `bind_phone` only: the number being proven. For `login` the account's phone is used. */
      phone: E164.optional(),
      /**
       * For `login`: the `otpDestination` accounts answered verify_password with, passed on unread.
       * Without it, or when it does not open, otp-sender asks accounts for the phone.
       */
      destination: z.string().max(1024).optional(),
    }),
    ChallengeView,
    'Creates a challenge with a fresh 6-digit code and queues the SMS.',
  ),
  resend: defineRpc(
    'idp.rpc.otp.resend.v1',
    z.object({ challengeId: ChallengeId }),
    ChallengeView,
    'Sends the same challenge a new code, within the cooldown and resend limits.',
  ),
  status: defineRpc(
    'idp.rpc.otp.status.v1',
    z.object({
      challengeId: ChallengeId,
      /** E.164: ask whether the challenge proves this number (accounts binding a phone). */
      phone: E164.optional(),
    }),
    ChallengeView,
    'Where the SMS of a challenge stands (the login page shows "could not be sent"), whose and what for it is, ' +
      'and, asked with a phone, whether it is the number proven.',
  ),
  verify: defineRpc(
    'idp.rpc.otp.verify.v1',
    z.object({ challengeId: ChallengeId, code: z.string().regex(/^\d{6}$/) }),
    z.object({ verified: z.literal(true), accountId: AccountId }),
    'Checks a code once; wrong codes count towards the lock.',
  ),
  devMessages: defineRpc(
    'idp.rpc.otp.dev_messages.v1',
    z.object({
      limit: z.number().int().min(1).max(200).default(50),
      /** Only messages to this number (E.164). */
      to: z.string().optional(),
    }),
    z.object({ messages: z.array(DevSms) }),
    'Development only: the newest SMS from the development sink, newest first (for /dev/sms). ' +
      'Answered only when SMS_TRANSPORT=dev_sink and IDP_ENV is not production.',
  ),
};

export const OtpSmsSendJobV1 = defineJob(
  'idp.work.sms.send.v1',
  z.object({
    challengeId: ChallengeId,
    /** The SMS text sealed (AES-256-GCM) with otp-sender's key: the code never sits in a stream in clear. */
    sealed: z.string(),
  }),
  'Deliver one SMS. Retried with backoff; dead-lettered after the last attempt.',
);

const Base = { challengeId: ChallengeId, accountId: AccountId };
export const OtpCodeIssuedV1 = defineEvent(
  'idp.otp.code_issued.v1',
  z.object({
    ...Base,
    purpose: z.enum(['login', 'bind_phone']),
    destinationHint: z.string(),
    expiresAt: z.string().datetime(),
    resend: z.boolean(),
  }),
  'A code was generated for a challenge (not the code itself).',
);
export const OtpSmsSentV1 = defineEvent(
  'idp.otp.sms_sent.v1',
  z.object({
    challengeId: ChallengeId,
    transport: z.enum(['sns', 'dev_sink']),
    attempts: z.number().int().positive(),
  }),
  'The SMS provider accepted the message.',
);
export const OtpSmsFailedV1 = defineEvent(
  'idp.otp.sms_failed.v1',
  z.object({
    challengeId: ChallengeId,
    transport: z.enum(['sns', 'dev_sink']),
    attempts: z.number().int().positive(),
    error: z.string(),
  }),
  'The SMS could not be delivered after the last attempt.',
);
export const OtpCodeVerifiedV1 = defineEvent(
  'idp.otp.code_verified.v1',
  z.object(Base),
  'A challenge was passed.',
);
export const OtpVerificationFailedV1 = defineEvent(
  'idp.otp.verification_failed.v1',
  z.object({
    ...Base,
    attempt: z.number().int().positive(),
    /** `already_used`: the challenge was already passed (a replayed code). */
    reason: z.enum(['wrong_code', 'expired', 'locked', 'already_used']),
  }),
  'A wrong, late or locked-out code was entered.',
);
export const OtpChallengeLockedV1 = defineEvent(
  'idp.otp.challenge_locked.v1',
  z.object(Base),
  'Too many wrong codes: the challenge is dead.',
);

export const OTP_CONTRACTS = [
  ...Object.values(otpRpc),
  OtpSmsSendJobV1,
  OtpCodeIssuedV1,
  OtpSmsSentV1,
  OtpSmsFailedV1,
  OtpCodeVerifiedV1,
  OtpVerificationFailedV1,
  OtpChallengeLockedV1,
];

/** HKDF purpose of the key derived from `OTP_DESTINATION_KEY`: accounts seals, otp-sender opens. */
export const OTP_DESTINATION_PURPOSE = 'idp otp login destination v1';

const SealedDestination = z.object({
  phone: E164,
  phoneHint: z.string(),
  notAfter: z.string().datetime(),
});

/**
 * The phone a login code goes to, sealed by accounts for otp-sender alone (AES-256-GCM, bound to the
 * account): the gateway carries it from verify_password to otp.issue without reading it, and
 * otp-sender needs no get_otp_destination call. Valid until `notAfter`, a login's password step.
 */
export const sealOtpDestination = (
  sealer: Sealer,
  d: { accountId: string; phone: string; phoneHint: string; notAfter: Date },
): string =>
  sealer.seal(
    JSON.stringify({ phone: d.phone, phoneHint: d.phoneHint, notAfter: d.notAfter.toISOString() }),
    `otp-destination:${d.accountId}`,
  );

/** The sealed phone, or undefined when it does not open, was sealed for another account or is stale. */
export function openOtpDestination(
  sealer: Sealer,
  sealed: string,
  accountId: string,
  now: Date,
): { phone: string; phoneHint: string } | undefined {
  try {
    const d = SealedDestination.parse(JSON.parse(sealer.open(sealed, `otp-destination:${accountId}`)));
    return new Date(d.notAfter) > now ? { phone: d.phone, phoneHint: d.phoneHint } : undefined;
  } catch {
    return undefined;
  }
}
