import type { ColumnType, OutboxTables } from '@idp/db';

type Timestamp = ColumnType<Date, Date, Date>;

export interface AccountsTable {
  id: string;
  /** Null only once erased (migration 0004). */
  email: ColumnType<string | null, string, string | null>;
  password_hash: string;
  given_name: string | null;
  family_name: string | null;
  tax_number: string | null;
  /** Read as text (`to_char`), written as `YYYY-MM-DD`: never a JS Date, so no time zone shifts it. */
  birth_date: ColumnType<string | null, string | null, string | null>;
  sms_pass: string;
  suspended_at: Date | null;
  created_at: Timestamp;
  updated_at: Timestamp;
  state: string;
  suspended_from: string | null;
  emso: string | null;
  terms_version: string | null;
  terms_accepted_at: Date | null;
  email_confirmed_at: Date | null;
  language: ColumnType<'sl' | 'en', 'sl' | 'en' | undefined, 'sl' | 'en'>;
  erased_at: ColumnType<Date | null, never, Date | null>;
}

export interface PermanentAddressesTable {
  account_id: string;
  street: string;
  postal_code: string;
  city: string;
  country: string;
  updated_at: Timestamp;
}

export interface ContactEmailsTable {
  id: string;
  account_id: string;
  email: string;
  verified_at: Date | null;
  created_at: Timestamp;
}

export interface AccountTokensTable {
  /** SHA-256 of the token; the token itself is never stored. */
  token_hash: Buffer;
  account_id: string;
  purpose: 'email_confirmation' | 'password_reset';
  expires_at: Date;
  used_at: Date | null;
  created_at: Date;
}

export interface PhonesTable {
  id: string;
  account_id: string;
  e164: string;
  verified_at: Date | null;
  created_at: Timestamp;
}

export interface LoginThrottleTable {
  key: string;
  failures: number;
  window_started_at: Date;
  locked_until: Date | null;
  expires_at: Date;
}

export interface SmsPassActivationsTable {
  request_id: string;
  account_id: string;
  phone_id: string;
  activated_at: Timestamp;
}

export interface IdentityCorrectionsTable {
  request_id: string;
  account_id: string;
  fields: string[];
  applied_at: Date;
}

export interface PersonKeysTable {
  account_id: string;
  key_id: string;
  /** The person's key wrapped under the master key (sealed text); null once destroyed. */
  wrapped_key: string | null;
  created_at: Timestamp;
  destroyed_at: Date | null;
}

/** This service's schema as Kysely sees it. */
export interface AccountsTables extends OutboxTables {
  accounts: AccountsTable;
  phones: PhonesTable;
  login_throttle: LoginThrottleTable;
  permanent_addresses: PermanentAddressesTable;
  contact_emails: ContactEmailsTable;
  account_tokens: AccountTokensTable;
  smspass_activations: SmsPassActivationsTable;
  person_keys: PersonKeysTable;
  identity_corrections: IdentityCorrectionsTable;
}
