import type { Migration } from 'kysely';
import { outboxMigrations } from '@idp/db';

/** Every migration this service has had, in order. Never edit one that has shipped; add the next. */
export const migrations: Record<string, Migration> = {
  ...outboxMigrations,
};
