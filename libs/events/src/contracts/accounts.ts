import { z } from 'zod';
import { defineEvent, defineRpc } from '../define.js';
import { E164 } from './phone.js';
import { AuditorEntry, EncryptedField, PersonalDataField } from '../personal-data.js';

export const ACCOUNTS_ERROR_CODES = [
  /** Wrong password and unknown account look the same to the caller. */
  'accounts.invalid_credentials',
  /** Too many failures for this account or client address; `retryAfterSeconds` is in the message. */
  'accounts.temporarily_locked',
  'accounts.not_found',
  'accounts.email_taken',
  'accounts.tax_number_taken',
  /** Another account holds this EMŠO (one EMŠO is one person). */
  'accounts.emso_taken',
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
  /** The account's state does not allow this change (e.g. confirming an e-mail twice, activating a cancelled account). */
  'accounts.transition_not_allowed',
  /** Right password, but the account's e-mail address has not been confirmed yet. */
  'accounts.email_not_confirmed',
  /** Right password, but the account has been cancelled. */
  'accounts.cancelled',
  /** An e-mail confirmation or password reset link that is unknown, used or expired (one code for all three). */
  'accounts.invalid_token',
  /** The terms of use accepted are not the current version. */
  'accounts.terms_outdated',
  /** A disclosure request whose auditor is not on the roster, or whose signature does not verify. */
  'accounts.disclosure_unauthenticated',
  /** The auditor is on the roster but their role may not decrypt personal data. */
  'accounts.disclosure_not_authorised',
  /** The signed request is older (or further in the future) than five minutes. */
  'accounts.disclosure_stale',
  /** The value does not open with this person's key for that event, field and account. */
  'accounts.disclosure_undecryptable',
  /**
   * add_phone: the otp-sender challenge is not a verified `bind_phone` challenge of this account for
   * this number (unknown, pending, failed, another account's, another purpose or another phone).
   */
  'accounts.phone_not_proven',
  /** remove_phone: the account has no such phone. */
  'accounts.phone_not_found',
  /** remove_phone: the last verified phone cannot go while smsPASS is active (cancel smsPASS first). */
  'accounts.last_verified_phone',
] as const;

export const SmsPassStatus = z.enum(['none', 'pending', 'active', 'suspended', 'cancelled']);
/**
 * The account's lifecycle (services/accounts/src/domain/account-state.ts). `suspended` and
 * `cancelled` are states of the whole account; cancelling only smsPASS returns to `email_confirmed`.
 */
export const AccountState = z.enum([
  'registered',
  'email_confirmed',
  'smspass_pending',
  'smspass_active',
  'suspended',
  'cancelled',
  /** Personal data erased at the citizen's request; the row stays as a tombstone for event references. */
  'erased',
]);

/**
 * The smsPASS status of a lifecycle state: what login and get_otp_destination read (only
 * `smspass_active` sends codes), and what an auditor rebuilding the states from the log reports.
 */
export function smsPassOfState(s: z.infer<typeof AccountState>): z.infer<typeof SmsPassStatus> {
  switch (s) {
    case 'registered':
    case 'email_confirmed':
      return 'none';
    case 'smspass_pending':
      return 'pending';
    case 'smspass_active':
      return 'active';
    case 'suspended':
      return 'suspended';
    case 'cancelled':
    case 'erased':
      return 'cancelled';
  }
}

const Email = z.string().trim().toLowerCase().email().max(254);
const AccountId = z.string().uuid();
const Password = z.string().min(1).max(1024);
const Language = z.enum(['sl', 'en']);
/** A link token as mailed: 32 random bytes, base64url. */
const LinkToken = z.string().regex(/^[A-Za-z0-9_-]{43}$/);
/** A permanent address as the citizen typed it (registration, identity correction). */
export const PostalAddress = z.object({
  street: z.string().trim().min(1).max(200),
  postalCode: z.string().trim().min(1).max(20),
  city: z.string().trim().min(1).max(100),
  /** ISO 3166-1 alpha-2 */
  country: z
    .string()
    .trim()
    .regex(/^[A-Za-z]{2}$/),
});

/**
 * The permanent address as accounts releases it (the `address` attribute): one line, parts
 * separated by commas, `Trubarjeva cesta 1, 1000 Ljubljana`, the country only outside Slovenia.
 */
export const formatAddressLine = (a: z.infer<typeof PostalAddress>): string =>
  [
    a.street,
    `${a.postalCode} ${a.city}`,
    ...(a.country.toUpperCase() === 'SI' ? [] : [a.country.toUpperCase()]),
  ].join(', ');

/** The lines of an address attribute, for a letter: split where `formatAddressLine` joined (or at line breaks). */
export const splitAddressLine = (address: string): string[] =>
  address
    .split(/\r?\n|,/)
    .map((l) => l.trim())
    .filter(Boolean);

const Timestamp = z.string().datetime();

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
      /**
       * With smsPASS active and `OTP_DESTINATION_KEY` set: the phone sealed for otp-sender
       * (`sealOtpDestination`), to pass unread as otp.issue's `destination`.
       */
      otpDestination: z.string().max(1024).optional(),
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
    z.object({ phone: E164, phoneHint: z.string() }),
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
  register: defineRpc(
    'idp.rpc.accounts.register.v1',
    z.object({
      email: z.string().max(254),
      password: Password,
      givenName: z.string().trim().min(1).max(100),
      familyName: z.string().trim().min(1).max(100),
      taxNumber: z.string().trim().max(20),
      emso: z.string().trim().max(20).optional(),
      birthDate: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
      address: PostalAddress,
      /** A mobile number to bind later; stored unverified until an SMS code proves it. */
      phone: z.string().trim().max(30).optional(),
      /** The version of the terms of use the citizen accepted; must be the current one. */
      termsVersion: z.string().min(1).max(40),
      /** The language of the e-mails the account receives. */
      language: Language.default('sl'),
    }),
    /**
     * The same answer whether or not the address already had an account (its owner is mailed
     * instead), so the page says "check your e-mail" either way and learns nothing more.
     */
    z.object({ next: z.literal('confirm_email') }),
    'Self-registration: validates every field, creates the account in state `registered` and mails a confirmation link.',
  ),
  getTerms: defineRpc(
    'idp.rpc.accounts.get_terms.v1',
    z.object({}).strict(),
    /** The version `register` accepts now; accounts' TERMS_VERSION is its only setting. */
    z.object({ version: z.string().min(1).max(40) }),
    'The current terms of use version: the one the registration page shows and a registration must send.',
  ),
  confirmEmail: defineRpc(
    'idp.rpc.accounts.confirm_email.v1',
    z.object({ token: LinkToken }),
    z.object({ accountId: AccountId }),
    'Spends an e-mail confirmation link: the account moves to `email_confirmed`.',
  ),
  requestPasswordReset: defineRpc(
    'idp.rpc.accounts.request_password_reset.v1',
    z.object({ email: z.string().max(254), language: Language.optional() }),
    /** Always this answer: whether a mail went out is not the caller's to know. */
    z.object({ next: z.literal('check_email') }),
    'Mails a password reset link when the address belongs to an account that may reset; answers the same otherwise.',
  ),
  resetPassword: defineRpc(
    'idp.rpc.accounts.reset_password.v1',
    z.object({ token: LinkToken, newPassword: Password }),
    z.object({ accountId: AccountId }),
    'Spends a password reset link and sets the new password (the rules of registration apply).',
  ),
  changePassword: defineRpc(
    'idp.rpc.accounts.change_password.v1',
    z.object({ accountId: AccountId, currentPassword: Password, newPassword: Password }),
    z.object({ accountId: AccountId }),
    'Changes the password of a logged-in citizen who knows the current one.',
  ),
  getPersonalData: defineRpc(
    'idp.rpc.accounts.get_personal_data.v1',
    z.object({ accountId: AccountId }),
    z.object({
      accountId: AccountId,
      state: AccountState,
      email: z.string(),
      givenName: z.string().optional(),
      familyName: z.string().optional(),
      taxNumber: z.string().optional(),
      emso: z.string().optional(),
      birthDate: z.string().optional(),
      address: PostalAddress.optional(),
      contactEmails: z.array(z.object({ email: z.string(), verified: z.boolean() })),
      /** Phones on record; only verified ones receive smsPASS codes. */
      phones: z.array(z.object({ phone: E164, verified: z.boolean() })),
      language: Language,
      terms: z.object({ version: z.string(), acceptedAt: z.string().datetime() }).optional(),
    }),
    'Everything on record about the citizen, for their user pages.',
  ),
  updateContactData: defineRpc(
    'idp.rpc.accounts.update_contact_data.v1',
    z.object({
      accountId: AccountId,
      addEmails: z.array(z.string().max(254)).max(10).default([]),
      removeEmails: z.array(z.string().max(254)).max(10).default([]),
      /** Added unverified: a phone is bound only once an SMS code has proven it. */
      addPhones: z.array(z.string().max(30)).max(5).default([]),
      language: Language.optional(),
    }),
    z.object({ accountId: AccountId }),
    'Changes contact e-mails, unverified phones or the mail language. Names and the permanent address ' +
      'are identity data: they change only through an identity correction (idp.rpc.accounts.correct_identity.v1).',
  ),
  personKeyStatus: defineRpc(
    'idp.rpc.accounts.person_key_status.v1',
    z.object({ keyIds: z.array(z.string().min(1).max(64)).min(1).max(500) }),
    z.object({
      /** The keys among those asked for that were destroyed (their person's account was erased). */
      destroyed: z.array(z.object({ keyId: z.string(), destroyedAt: z.string().datetime() })),
    }),
    'Which person data keys are destroyed, so a replay shows their encrypted fields as erased (key ids only; no personal data).',
  ),
  disclosePersonalData: defineRpc(
    'idp.rpc.accounts.disclose_personal_data.v1',
    z.object({
      /** The event holding the value, its subject and account: with `field`, what the ciphertext is bound to. */
      eventId: z.string().uuid(),
      subject: z.string().min(1).max(200),
      accountId: AccountId,
      field: z.string().min(1).max(64),
      /** The encrypted value as the event holds it (the CLI read it from the log). */
      value: EncryptedField,
      /** Why the auditor needs the value; recorded in the disclosure event. */
      reason: z.string().trim().min(10).max(500),
      auditor: z.object({ id: AuditorEntry.shape.id }),
      requestedAt: z.string().datetime({ offset: true }),
      /** base64 Ed25519 signature of `disclosureSigningBytes(...)` with the auditor's key. */
      signature: z.string().min(1).max(200),
    }),
    z.discriminatedUnion('outcome', [
      z.object({ outcome: z.literal('disclosed'), value: z.string() }),
      /** The person's key was destroyed (account erased): the value is gone for good. */
      z.object({ outcome: z.literal('erased'), erasedAt: z.string().datetime() }),
    ]),
    "Decrypts one personal-data field of an event for an auditor with role `disclosure`, authorised by the auditor's Ed25519 signature over the request; every request is itself recorded as an event.",
  ),
  addPhone: defineRpc(
    'idp.rpc.accounts.add_phone.v1',
    z.object({
      accountId: AccountId,
      /** The number proven, in international format (normalised to E.164). */
      phone: z.string().trim().min(1).max(30),
      /** The otp-sender challenge (`purpose: bind_phone`) the citizen passed for this number. */
      challengeId: z.string().uuid(),
    }),
    z.object({ accountId: AccountId }),
    'Binds a phone proven by a verified otp-sender `bind_phone` challenge of this account (accounts asks ' +
      'otp-sender itself); the account address is told by e-mail.',
  ),
  removePhone: defineRpc(
    'idp.rpc.accounts.remove_phone.v1',
    z.object({ accountId: AccountId, phone: z.string().trim().min(1).max(30) }),
    z.object({ accountId: AccountId }),
    'Removes a phone; never the last verified one while smsPASS is active (`accounts.last_verified_phone`).',
  ),
  cancelSmsPass: defineRpc(
    'idp.rpc.accounts.cancel_smspass.v1',
    z.object({ accountId: AccountId }),
    z.object({ accountId: AccountId, smsPass: SmsPassStatus }),
    'The citizen gives up smsPASS (active or pending); the account logs in with the password only.',
  ),
  exportPersonalData: defineRpc(
    'idp.rpc.accounts.export_personal_data.v1',
    z.object({ accountId: AccountId }),
    z.object({
      exportedAt: Timestamp,
      account: z.object({
        accountId: AccountId,
        state: AccountState,
        /** While suspended: the state a reinstatement returns to. */
        suspendedFrom: AccountState.optional(),
        smsPass: SmsPassStatus,
        email: z.string(),
        emailConfirmedAt: Timestamp.optional(),
        language: Language,
        createdAt: Timestamp,
        updatedAt: Timestamp,
        suspendedAt: Timestamp.optional(),
      }),
      personalData: z.object({
        givenName: z.string().optional(),
        familyName: z.string().optional(),
        taxNumber: z.string().optional(),
        emso: z.string().optional(),
        birthDate: z.string().optional(),
      }),
      address: PostalAddress.extend({ updatedAt: Timestamp }).optional(),
      contactEmails: z.array(
        z.object({
          email: z.string(),
          verified: z.boolean(),
          addedAt: Timestamp,
          verifiedAt: Timestamp.optional(),
        }),
      ),
      phones: z.array(
        z.object({
          phone: E164,
          verified: z.boolean(),
          addedAt: Timestamp,
          verifiedAt: Timestamp.optional(),
        }),
      ),
      terms: z.object({ version: z.string(), acceptedAt: Timestamp }).optional(),
      /** The smsPASS activation requests applied to the account. */
      smsPassActivations: z.array(z.object({ requestId: z.string().uuid(), activatedAt: Timestamp })),
    }),
    'Everything accounts holds about the citizen, as one JSON document (right of access / portability).',
  ),
  deleteAccount: defineRpc(
    'idp.rpc.accounts.delete_account.v1',
    z.object({ accountId: AccountId, password: Password }),
    z.object({ accountId: AccountId, erasedAt: Timestamp }),
    'Erasure: the personal data is removed (e-mail and tax number freed) and the account kept as a ' +
      'tombstone in state `erased`. The current password confirms it (`accounts.invalid_credentials`).',
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
    /**
     * `suspended`, `email_not_confirmed`, `cancelled`: the password was right but the account's
     * state refuses logins.
     */
    reason: z.enum([
      'wrong_password',
      'unknown_account',
      'locked',
      'suspended',
      'email_not_confirmed',
      'cancelled',
    ]),
  }),
  'A login failed at the password step.',
);
export const AccountTemporarilyLockedV1 = defineEvent(
  'idp.account.temporarily_locked.v1',
  z.object({ ...Aggregate, until: z.string().datetime() }),
  'Too many failed passwords: the account refuses logins until `until`.',
);

// Lifecycle: one event per transition of the account state machine. Ids and states only.
const Transition = { ...Aggregate, from: AccountState };
export const AccountRegisteredV1 = defineEvent(
  'idp.account.registered.v1',
  z.object({ ...Aggregate, termsVersion: z.string(), termsAcceptedAt: z.string().datetime() }),
  'A citizen registered an account (state `registered`); the terms of use version they accepted.',
);
export const AccountEmailConfirmedV1 = defineEvent(
  'idp.account.email_confirmed.v1',
  z.object(Transition),
  'The account e-mail address was proven by a link sent to it.',
);
export const AccountSmsPassRequestedV1 = defineEvent(
  'idp.account.smspass_requested.v1',
  z.object(Transition),
  'smsPASS activation started: the account waits for its identity to be proven (`smspass_pending`).',
);
export const AccountSmsPassActivatedV1 = defineEvent(
  'idp.account.smspass_activated.v1',
  z.object(Transition),
  'smsPASS became active: the account logs in with password and SMS code.',
);
export const AccountSmsPassCancelledV1 = defineEvent(
  'idp.account.smspass_cancelled.v1',
  z.object({ ...Transition, by: z.enum(['self', 'officer', 'expiry']) }),
  'smsPASS was cancelled (or its pending activation given up); the account stays, password only.',
);
export const AccountSuspendedV1 = defineEvent(
  'idp.account.suspended.v1',
  z.object({ ...Transition, reason: z.enum(['abuse', 'other']) }),
  'An officer suspended the account: no login until it is reinstated.',
);
export const AccountReinstatedV1 = defineEvent(
  'idp.account.reinstated.v1',
  z.object({ ...Aggregate, from: AccountState, to: AccountState }),
  'A suspended account was reinstated to the state it had before.',
);
export const AccountCancelledV1 = defineEvent(
  'idp.account.cancelled.v1',
  z.object({ ...Transition, by: z.enum(['self', 'officer']) }),
  'The account was closed for good.',
);
export const AccountPasswordChangedV1 = defineEvent(
  'idp.account.password_changed.v1',
  z.object({ ...Aggregate, via: z.enum(['change', 'reset']) }),
  'The password was replaced, on the user pages or through a reset link.',
);
export const AccountPasswordResetRequestedV1 = defineEvent(
  'idp.account.password_reset_requested.v1',
  z.object(Aggregate),
  'A reset link was mailed to the account address (requests for unknown addresses leave no event).',
);
export const AccountDuplicateRegistrationAttemptedV1 = defineEvent(
  'idp.account.duplicate_registration_attempted.v1',
  z.object(Aggregate),
  'Someone tried to register with the address of this existing account; its owner was told by e-mail.',
);
export const AccountContactDataUpdatedV1 = defineEvent(
  'idp.account.contact_data_updated.v1',
  z.object({
    ...Aggregate,
    /** `address` only in events from before identity corrections (the log keeps them; replays check them). */
    changed: z.array(z.enum(['address', 'emails', 'phones', 'language'])),
  }),
  'The citizen changed contact data (which kinds, never the values).',
);
export const AccountTokenRejectedV1 = defineEvent(
  'idp.account.token_rejected.v1',
  z.object({
    /** Present when the token was known (used or expired). */
    accountId: AccountId.optional(),
    purpose: z.enum(['email_confirmation', 'password_reset']),
    reason: z.enum(['unknown', 'used', 'expired', 'state']),
  }),
  'An e-mail confirmation or password reset link was refused.',
);

export const AccountPersonalDataChangedV1 = defineEvent(
  'idp.account.personal_data_changed.v1',
  z.object({
    ...Aggregate,
    /** Each value is encrypted with the person's key (bound to this subject, the field and the account). */
    changes: z.array(z.object({ field: PersonalDataField, value: EncryptedField })).min(1),
  }),
  "Personal data was recorded or changed (registration, a new address, …); the values are encrypted with the person's key and erased with it.",
);
const Disclosure = {
  ...Aggregate,
  /** The event whose field was asked for. */
  eventId: z.string().uuid(),
  field: z.string(),
  /** As the auditor stated it. */
  reason: z.string(),
  auditorId: z.string(),
};
export const AccountPersonalDataDisclosedV1 = defineEvent(
  'idp.account.personal_data_disclosed.v1',
  z.object(Disclosure),
  'An auditor with role `disclosure` had one personal-data field of an event decrypted (never the value itself).',
);
export const AccountPersonalDataDisclosureRefusedV1 = defineEvent(
  'idp.account.personal_data_disclosure_refused.v1',
  z.object({
    ...Disclosure,
    /** `erased`: the person's key was destroyed, nothing can be disclosed any more. */
    refusal: z.enum(['unauthenticated', 'not_authorised', 'stale', 'undecryptable', 'erased']),
  }),
  'A request to decrypt a personal-data field was refused, or found the value erased.',
);
export const AccountPhoneAddedV1 = defineEvent(
  'idp.account.phone_added.v1',
  z.object({ ...Aggregate, phoneId: z.string().uuid(), challengeId: z.string().uuid() }),
  'A phone proven by an SMS code was bound to the account (the number stays in accounts).',
);
export const AccountPhoneRemovedV1 = defineEvent(
  'idp.account.phone_removed.v1',
  z.object({ ...Aggregate, phoneId: z.string().uuid(), verified: z.boolean() }),
  'The citizen removed a phone.',
);
export const AccountPersonalDataExportedV1 = defineEvent(
  'idp.account.personal_data_exported.v1',
  z.object(Aggregate),
  'The citizen exported everything held about them.',
);
export const AccountErasedV1 = defineEvent(
  'idp.account.erased.v1',
  z.object({ ...Aggregate, from: AccountState, by: z.enum(['self']) }),
  "The account's personal data was erased; only a tombstone with its id remains.",
);

export const ACCOUNTS_CONTRACTS = [
  ...Object.values(accountsRpc),
  AccountCreatedV1,
  AccountPasswordVerifiedV1,
  AccountPasswordVerificationFailedV1,
  AccountTemporarilyLockedV1,
  AccountRegisteredV1,
  AccountEmailConfirmedV1,
  AccountSmsPassRequestedV1,
  AccountSmsPassActivatedV1,
  AccountSmsPassCancelledV1,
  AccountSuspendedV1,
  AccountReinstatedV1,
  AccountCancelledV1,
  AccountPasswordChangedV1,
  AccountPasswordResetRequestedV1,
  AccountDuplicateRegistrationAttemptedV1,
  AccountTokenRejectedV1,
  AccountContactDataUpdatedV1,
  AccountPersonalDataChangedV1,
  AccountPersonalDataDisclosedV1,
  AccountPersonalDataDisclosureRefusedV1,
  AccountPhoneAddedV1,
  AccountPhoneRemovedV1,
  AccountPersonalDataExportedV1,
  AccountErasedV1,
];
