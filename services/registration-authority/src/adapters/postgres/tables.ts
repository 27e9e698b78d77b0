import type { ColumnType, Generated, OutboxTables } from '@idp/db';

export interface OfficersTable {
  id: string;
  email: string;
  display_name: string;
  password_hash: string;
  totp_secret: string | null;
  totp_enrolled_at: Date | null;
  /** `bigint` comes back from `pg` as a string. */
  totp_last_step: ColumnType<string | null, number | null, number | null>;
  failed_logins: Generated<number>;
  locked_until: Date | null;
  disabled_at: Date | null;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
}

export interface OfficerSessionsTable {
  token_hash: string;
  officer_id: string;
  stage: string;
  csrf_token: string;
  created_at: Date;
  last_seen_at: Date;
  expires_at: Date;
}

export interface IdChecksTable {
  id: string;
  request_id: string;
  request_number: string;
  account_id: string;
  officer_id: string;
  decision: string;
  document_type: string | null;
  document_number: string | null;
  /** Read as text (`to_char`), written as `YYYY-MM-DD`: never a JS Date, so no time zone shifts it. */
  document_expires_on: ColumnType<string | null, string | null, string | null>;
  rejection_reason: string | null;
  decided_at: Date;
}

export interface RaTables extends OutboxTables {
  officers: OfficersTable;
  officer_sessions: OfficerSessionsTable;
  id_checks: IdChecksTable;
}
