import type { ColumnType, OutboxTables } from '@idp/db';

type Timestamp = ColumnType<Date, Date, Date>;

export interface AccountsTable {
  id: string;
  email: string;
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

/** This service's schema as Kysely sees it. */
export interface AccountsTables extends OutboxTables {
  accounts: AccountsTable;
  phones: PhonesTable;
  login_throttle: LoginThrottleTable;
  smspass_activations: SmsPassActivationsTable;
}
