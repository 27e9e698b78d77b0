import type { ColumnType, OutboxTables } from '@idp/db';

export interface RequestsTable {
  id: string;
  request_number: string;
  account_id: string;
  path: string;
  state: string;
  created_at: Date;
  updated_at: Date;
  expires_at: Date | null;
  code_channel: string | null;
  code_hash: string | null;
  code_attempts: number;
  pending_phone: string | null;
  phone_challenge_id: string | null;
  phone_verified_at: Date | null;
  rejection_reason: string | null;
}

export interface LettersTable {
  id: string;
  request_id: string;
  state: string;
  pdf_path: string;
  created_at: Date;
  printed_at: Date | null;
  printed_by: string | null;
  posted_at: Date | null;
  posted_by: string | null;
}

export interface CorrectionsTable {
  id: string;
  request_number: string;
  account_id: string;
  path: string;
  state: string;
  created_at: Date;
  updated_at: Date;
  expires_at: Date | null;
  fields: string[];
  /** jsonb: read back as an object, written as its JSON text. */
  proposed: ColumnType<unknown, string | null, string | null>;
  rejection_reason: string | null;
}

/** This service's schema as Kysely sees it. */
export interface ActivationTables extends OutboxTables {
  requests: RequestsTable;
  letters: LettersTable;
  corrections: CorrectionsTable;
}
