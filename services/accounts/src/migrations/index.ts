import type { Migration } from 'kysely';
import { outboxMigrations } from '@idp/db';
import { accounts0001 } from './0001-accounts.js';
import { accounts0002 } from './0002-self-registration.js';
import { accounts0003 } from './0003-smspass-activations.js';
import { accounts0004 } from './0004-user-pages.js';
import { accounts0005 } from './0005-person-keys.js';
import { accounts0006 } from './0006-identity-corrections.js';

/** Every migration this service has had, in order. Never edit one that has shipped; add the next. */
export const migrations: Record<string, Migration> = {
  ...outboxMigrations,
  '0001_accounts': accounts0001,
  '0002_self_registration': accounts0002,
  '0003_smspass_activations': accounts0003,
  '0004_user_pages': accounts0004,
  '0005_person_keys': accounts0005,
  '0006_identity_corrections': accounts0006,
};
