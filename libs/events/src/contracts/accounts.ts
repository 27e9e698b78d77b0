import { z } from 'zod';
import { defineEvent, defineRpc } from '../define.js';

export const ACCOUNTS_ERROR_CODES = [
  /** Wrong password and unknown account look the same to the caller. */
  'accounts.invalid_credentials',
  /** Too many failures for this account or client address; `retryAfterSeconds` is in the message. */
  'accounts.temporarily_locked',
  'accounts.not_found',
  'accounts.email_taken',
  'accounts.tax_number_taken',
  'accounts.invalid_tax_number',
  'accounts.invalid_phone',
  'accounts.too_young',
  /** Fewer than 12 characters. */
  'accounts.weak_password',
  /** More than 256 characters. */
  'accounts.password_too_long',
  /** On the common/breached list, a repetition or sequence, or built on the account or service name. */
  'accounts.common_password',
  'accounts.invalid_email',
  /** Not 13 digits, no real birth date in it, or a wrong check digit. */
  'accounts.invalid_emso',
  /** The EMŠO encodes another date of birth than the one given with it. */
  'accounts.emso_birth_date_mismatch',
  'accounts.suspended',
  /** A birth date that is not a real `YYYY-MM-DD` calendar date. */
  'accounts.invalid_birth_date',
  /** smsPASS cannot be active without a phone to send codes to. */
  'accounts.phone_required',
  /** The account exists but smsPASS is not active, so there is no code destination. */
  'accounts.smspass_not_active',
  /** smsPASS is active but no verified phone is on record (an inconsistency an operator must fix). */
  'accounts.no_verified_phone',
] as const;

export const SmsPassStatus = z.enum(['none', 'pending', 'active', 'suspended', 'cancelled']);
const Email = z.string().trim().toLowerCase().email().max(254);
const AccountId = z.string().uuid();

/** Attribute values the accounts service can release; which ones reach an SP is the SP's policy. */
export const AccountAttributes = z.object({
  givenName: z.string().optional(),
  familyName: z.string().optional(),
  taxNumber: z.string().optional(),
  birthDate: z.string().optional(),
  email: z.string().optional(),
  emso: z.string().optional(),
  address: z.string().optional(),
});

export const accountsRpc = {
  verifyPassword: defineRpc(
    'idp.rpc.accounts.verify_password.v1',
    z.object({
      email: Email,
      password: z.string().min(1).max(1024),
      /** The citizen's address as the gateway saw it, for per-address throttling. */
      clientAddress: z.string().min(1).max(64),
    }),
    z.object({
      accountId: AccountId,
      smsPass: SmsPassStatus,
      /** Masked, e.g. `+386 •• ••• •• 45`; present when smsPASS is active. */
      phoneHint: z.string().optional(),
    }),
    'Checks an account name and password (argon2id). Unknown account and wrong password give the same error.',
  ),
  getAttributes: defineRpc(
    'idp.rpc.accounts.get_attributes.v1',
    z.object({ accountId: AccountId }),
    z.object({ accountId: AccountId, smsPass: SmsPassStatus, attributes: AccountAttributes }),
    'The personal data the gateway may release in an assertion, per the SP policy.',
  ),
  getOtpDestination: defineRpc(
    'idp.rpc.accounts.get_otp_destination.v1',
    z.object({ accountId: AccountId }),
    z.object({ phone: z.string().regex(/^\+[1-9]\d{6,14}$/), phoneHint: z.string() }),
    'The verified phone an smsPASS code goes to (otp-sender only; never stored outside accounts).',
  ),
  createAccount: defineRpc(
    'idp.rpc.accounts.create_account.v1',
    z.object({
      email: Email,
      password: z.string().min(1).max(1024),
      givenName: z.string().trim().min(1).max(100).optional(),
      familyName: z.string().trim().min(1).max(100).optional(),
      taxNumber: z.string().trim().optional(),
      birthDate: z
        .string()
        .regex(/^\d{4}-\d{2}-\d{2}$/)
        .optional(),
      phone: z.string().trim().optional(),
      smsPass: z.enum(['none', 'active']).default('none'),
    }),
    z.object({ accountId: AccountId }),
    'Operator command: creates a (demo/test) citizen, enforcing every validation rule.',
  ),
};

const Aggregate = { accountId: AccountId };

export const AccountCreatedV1 = defineEvent(
  'idp.account.created.v1',
  z.object({ ...Aggregate, smsPass: SmsPassStatus, by: z.enum(['operator', 'self']) }),
  'An account was created.',
);
export const AccountPasswordVerifiedV1 = defineEvent(
  'idp.account.password_verified.v1',
  z.object(Aggregate),
  'A login passed the password step.',
);
export const AccountPasswordVerificationFailedV1 = defineEvent(
  'idp.account.password_verification_failed.v1',
  z.object({
    /** Absent when no account has that name: the event then records only that a guess failed. */
    accountId: AccountId.optional(),
    /** `suspended`: the password was right but an operator has suspended the account. */
    reason: z.enum(['wrong_password', 'unknown_account', 'locked', 'suspended']),
  }),
  'A login failed at the password step.',
);
export const AccountTemporarilyLockedV1 = defineEvent(
  'idp.account.temporarily_locked.v1',
  z.object({ ...Aggregate, until: z.string().datetime() }),
  'Too many failed passwords: the account refuses logins until `until`.',
);

export const ACCOUNTS_CONTRACTS = [
  ...Object.values(accountsRpc),
  AccountCreatedV1,
  AccountPasswordVerifiedV1,
  AccountPasswordVerificationFailedV1,
  AccountTemporarilyLockedV1,
];
