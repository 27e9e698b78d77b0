import type {
  AuditorEntry,
  CorrectedField,
  RpcRequest,
  RpcResponse,
  otpRpc,
  accountsRpc,
  Envelope,
  MessageDef,
  MailLanguage,
  MailTemplate,
  MessageContext,
  MessageInput,
  Sealer,
  SmsPassStatus,
} from '@idp/events';
import type { z } from '@idp/config';
import type { AccountLifecycle } from './domain/account-state.js';
import type { LoginPolicy, ThrottleEntry } from './domain/login-throttle.js';
import type { PersonKeyWrapper } from './domain/person-key.js';

export type SmsPass = z.infer<typeof SmsPassStatus>;
export type CorrectedFieldName = z.infer<typeof CorrectedField>;

export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/** An account as the handlers see it. */
export interface AccountRecord {
  id: string;
  email: string;
  passwordHash: string;
  givenName: string | null;
  familyName: string | null;
  taxNumber: string | null;
  /** `YYYY-MM-DD` */
  birthDate: string | null;
  smsPass: SmsPass;
  suspendedAt: Date | null;
  lifecycle: AccountLifecycle;
  emso: string | null;
  language: 'sl' | 'en';
  createdAt: Date;
}

export interface PostalAddress {
  street: string;
  postalCode: string;
  city: string;
  /** ISO 3166-1 alpha-2 */
  country: string;
}

export interface NewAccountRow {
  id: string;
  email: string;
  passwordHash: string;
  givenName: string | undefined;
  familyName: string | undefined;
  taxNumber: string | undefined;
  birthDate: string | undefined;
  emso?: string | undefined;
  language?: 'sl' | 'en' | undefined;
  /** The store derives `sms_pass` and `suspended_at` from it. */
  lifecycle: AccountLifecycle;
  terms?: { version: string; acceptedAt: Date } | undefined;
  emailConfirmedAt: Date | null;
  address?: PostalAddress | undefined;
  createdAt: Date;
}

export type TokenPurpose = 'email_confirmation' | 'password_reset';

export interface TokenRow {
  /** SHA-256 of the token. */
  hash: Buffer;
  accountId: string;
  purpose: TokenPurpose;
  expiresAt: Date;
  usedAt: Date | null;
  createdAt: Date;
}

/** Everything the citizen's user pages show. */
export interface PersonalData {
  account: AccountRecord;
  address: PostalAddress | undefined;
  contactEmails: { email: string; verified: boolean }[];
  phones: { e164: string; verified: boolean }[];
  termsVersion: string | null;
  termsAcceptedAt: Date | null;
}

export interface NewPhoneRow {
  id: string;
  accountId: string;
  e164: string;
  verifiedAt: Date | null;
  createdAt: Date;
}

export interface LoginLookup {
  account: AccountRecord | undefined;
  /** The account's smsPASS phone (see `findVerifiedPhone`), when it has one. */
  verifiedPhone: string | undefined;
  throttle: Map<string, ThrottleEntry>;
}

/** A person's data key as stored: wrapped under the master key, or destroyed (wiped). */
export interface PersonKeyRow {
  accountId: string;
  keyId: string;
  /** Sealed under the master key; null once destroyed. */
  wrappedKey: string | null;
  createdAt: Date;
  destroyedAt: Date | null;
}

/** Reads outside a transaction. */
export interface AccountStore {
  /** The person key row of an account (live or destroyed), if one was ever made. */
  findPersonKey(accountId: string): Promise<PersonKeyRow | undefined>;
  /** Of these key ids, the destroyed ones with when they were destroyed. */
  destroyedPersonKeys(keyIds: readonly string[]): Promise<{ keyId: string; destroyedAt: Date }[]>;
  findByEmail(email: string): Promise<AccountRecord | undefined>;
  findById(id: string): Promise<AccountRecord | undefined>;
  /** The account with its address, contact e-mails, phones and terms acceptance. */
  personalData(id: string): Promise<PersonalData | undefined>;
  /** The account and its address in one query: what an assertion releases, asked on every one. */
  findForAttributes(id: string): Promise<Pick<PersonalData, 'account' | 'address'> | undefined>;
  /** The id of the account with this (canonical, 8-digit) tax number. */
  findIdByTaxNumber(taxNumber: string): Promise<string | undefined>;
  /** The phone smsPASS codes go to: the earliest verified one. */
  findVerifiedPhone(accountId: string): Promise<string | undefined>;
  /** Throttle entries by key, as committed (no lock); missing keys are absent from the map. */
  readThrottle(keys: readonly string[]): Promise<Map<string, ThrottleEntry>>;
  /**
   * What a password check reads, in one round trip: the account with that e-mail, its smsPASS phone,
   * and the committed throttle entries of the account (`accountKeyOf(id)`), of the name when no
   * account has it, and of the client address.
   */
  findForLogin(
    email: string,
    keys: { accountKeyPrefix: string; nameKey: string; addressKey: string },
  ): Promise<LoginLookup>;
  /** Everything held about the account, in the export contract's shape (without `exportedAt`). */
  exportPersonalData(
    id: string,
  ): Promise<Omit<RpcResponse<typeof accountsRpc.exportPersonalData>, 'exportedAt'> | undefined>;
  /**
   * Stores the events, in one statement, only while none of the throttle keys has a row; returns
   * whether they were stored. The common successful login: nothing to clear, nothing to lock.
   */
  enqueueUnlessThrottled(keys: readonly string[], events: readonly Envelope[]): Promise<boolean>;
  /** Runs `work` in one transaction: its writes and its events commit together or not at all. */
  transaction<T>(work: (tx: AccountTransaction) => Promise<T>): Promise<T>;
  /** Deletes throttle rows that expired before `now`; returns how many. */
  pruneThrottle(now: Date): Promise<number>;
}

/** Writes inside one transaction. */
export interface AccountTransaction {
  /** Throws `already_exists` `accounts.email_taken` / `accounts.tax_number_taken` on a duplicate. */
  insertAccount(account: NewAccountRow, phone: NewPhoneRow | undefined): Promise<void>;
  updatePasswordHash(accountId: string, passwordHash: string, now: Date): Promise<void>;
  /** Reads an account and locks its row until commit, so its state changes one after the other. */
  lockAccount(id: string): Promise<AccountRecord | undefined>;
  lockAccountByEmail(email: string): Promise<AccountRecord | undefined>;
  /** Writes a new lifecycle (and the `sms_pass`/`suspended_at` login reads, derived from it). */
  saveLifecycle(accountId: string, lifecycle: AccountLifecycle, now: Date): Promise<void>;
  /**
   * Erasure (the citizen's right to be forgotten): deletes the phones, contact e-mails, address,
   * tokens and the account's mail jobs in the outbox (sealed, but with a key this service holds),
   * and empties every personal column of the account row (the e-mail address and tax number
   * are free again), which stays as a tombstone in `lifecycle` (state `erased`, decided by the state
   * machine) so event references to the id still resolve. One place, so everything erasure must also
   * destroy is added here.
   */
  eraseAccount(accountId: string, lifecycle: AccountLifecycle, now: Date): Promise<void>;
  /** Removes a phone; which one it was (id, verified) or undefined when the account has no such number. */
  removePhone(accountId: string, e164: string): Promise<{ id: string; verified: boolean } | undefined>;
  /** The account's phones, locked until commit (remove_phone counts the verified ones). */
  lockPhones(accountId: string): Promise<{ id: string; e164: string; verified: boolean }[]>;
  /** Binds a proven phone as verified (verifying it if already on record unverified); its id. */
  bindPhone(accountId: string, e164: string, now: Date): Promise<string>;
  /** Removes an account and everything that hangs off it (an expired, never confirmed registration). */
  deleteAccount(accountId: string): Promise<void>;
  insertToken(token: TokenRow): Promise<void>;
  /** The token row, locked until commit so it is spent once; undefined for an unknown hash. */
  lockToken(hash: Buffer): Promise<TokenRow | undefined>;
  /** Spends every unused token of this purpose for the account (a newer link or a changed password). */
  spendTokens(accountId: string, purpose: TokenPurpose, now: Date): Promise<void>;
  /** Replaces the permanent address (registration and identity corrections only). */
  saveAddress(accountId: string, address: PostalAddress, now: Date): Promise<void>;
  /** The account an identity correction was applied to, if it was applied before. */
  findIdentityCorrection(requestId: string): Promise<{ accountId: string } | undefined>;
  /**
   * Writes the corrected names and address given and records the correction under `requestId`. Only
   * an approved correction calls it (the handler asks the state machine first).
   */
  correctIdentity(o: {
    requestId: string;
    accountId: string;
    givenName?: string | undefined;
    familyName?: string | undefined;
    address?: PostalAddress | undefined;
    fields: readonly CorrectedFieldName[];
    now: Date;
  }): Promise<void>;
  addContactEmail(accountId: string, email: string, now: Date): Promise<boolean>;
  removeContactEmail(accountId: string, email: string): Promise<boolean>;
  setLanguage(accountId: string, language: 'sl' | 'en', now: Date): Promise<void>;
  /** Adds an unverified phone (bound only once an SMS code proves it); false when already on record. */
  addPhone(accountId: string, e164: string, now: Date): Promise<boolean>;
  /**
   * Locks the throttle rows of `keys` until commit (creating empty ones), so concurrent failures
   * on one key are counted one after the other and none is lost.
   */
  lockThrottle(keys: readonly string[]): Promise<Map<string, ThrottleEntry>>;
  /**
   * Locks the throttle row of `lockKey` until commit, if it exists, and reads it together with the
   * committed row of `readKey` (unlocked), in one statement.
   */
  lockOneThrottle(lockKey: string, readKey: string): Promise<Map<string, ThrottleEntry>>;
  saveThrottle(key: string, entry: ThrottleEntry, expiresAt: Date): Promise<void>;
  clearThrottle(key: string): Promise<void>;
  /** Adds events to the outbox, published once the transaction commits. */
  enqueue(envelopes: readonly Envelope[]): Promise<void>;
  /** The account's person key row, locked until commit (so two writers create at most one). */
  lockPersonKey(accountId: string): Promise<PersonKeyRow | undefined>;
  insertPersonKey(row: PersonKeyRow): Promise<void>;
  /** Wipes the wrapped key and records when; false when there was no live key. */
  destroyPersonKey(accountId: string, now: Date): Promise<boolean>;
  /** True the first time `consumer` sees `messageId` in a committed transaction (@idp/db processOnce). */
  processOnce(consumer: string, messageId: string): Promise<boolean>;
  /** The account an activation request already activated, if it was applied before. */
  findSmsPassActivation(requestId: string): Promise<{ accountId: string } | undefined>;
  /**
   * Binds `e164` as a verified phone (verifying it if the account already has it unverified) and
   * records the activation under `requestId`. The state change is the state machine's (saveLifecycle).
   */
  bindActivatedPhone(o: {
    requestId: string;
    accountId: string;
    e164: string;
    phoneId: string;
    now: Date;
  }): Promise<void>;
}

/** argon2id, run off the event loop. */
export interface PasswordHasher {
  hash(password: string): Promise<string>;
  /**
   * Checks `password` against `hash`; with no hash (unknown account) it checks against a fixed
   * dummy hash and answers false, so an unknown account costs the same time as a wrong password.
   */
  verify(hash: string | undefined, password: string): Promise<boolean>;
  /** True when `hash` was made with other parameters than the current ones. */
  needsRehash(hash: string): boolean;
}

/** Builds a catalog-checked envelope stamped with this service as producer. */
export type EventFactory = <E extends MessageDef>(
  def: E,
  input: MessageInput<E>,
  ctx: MessageContext,
) => Envelope;

/** What the handlers need. */
export interface Deps {
  store: AccountStore;
  hasher: PasswordHasher;
  clock: Clock;
  event: EventFactory;
  loginPolicy: LoginPolicy;
  /** Seals mail jobs for the activation service's mail worker. */
  mail: MailQueue;
  registration: RegistrationSettings;
  /** Wraps the per-person keys personal data in events is encrypted with. */
  personKeys: PersonKeyWrapper;
  /** The auditors who may ask for a disclosure. */
  auditors: AuditorDirectory;
  /** otp-sender's challenges, asked whether an SMS code proved a phone (add_phone). */
  otp: OtpChallenges;
  /** Seals a login's SMS destination for otp-sender (`OTP_DESTINATION_KEY`); none: otp-sender asks. */
  otpDestinations?: Sealer;
}

/** otp-sender's `idp.rpc.otp.status.v1`, as accounts uses it. */
export interface OtpChallenges {
  status(
    request: RpcRequest<typeof otpRpc.status>,
    ctx: MessageContext,
  ): Promise<RpcResponse<typeof otpRpc.status>>;
}

/** The auditor roster (`AUDITORS_FILE`). */
export interface AuditorDirectory {
  find(id: string): Promise<AuditorEntry | undefined>;
}

export interface MailRequest {
  accountId: string;
  template: z.infer<typeof MailTemplate>;
  language: z.infer<typeof MailLanguage>;
  to: string;
  params?: Record<string, string>;
}

/** Builds mail jobs (`idp.work.mail.send.v1`) to enqueue in the outbox with the change they report. */
export interface MailQueue {
  job(mail: MailRequest, ctx: MessageContext): Envelope;
}

export interface RegistrationSettings {
  /** The terms of use version a registration must accept. */
  termsVersion: string;
  emailConfirmationTtlMs: number;
  passwordResetTtlMs: number;
}
