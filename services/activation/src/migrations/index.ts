import type { Migration } from 'kysely';
import { outboxMigrations } from '@idp/db';
import { activation0001 } from './0001-activation.js';
import { activation0002 } from './0002-corrections.js';

/** Every migration this service has had, in order. Never edit one that has shipped; add the next. */
export const migrations: Record<string, Migration> = {
  ...outboxMigrations,
  '0001_activation': activation0001,
  '0002_corrections': activation0002,
};
