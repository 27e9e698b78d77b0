export * from './errors.js';
export * from './database.js';
export * from './migrate.js';
export * from './outbox.js';
export * from './relay.js';
export { sql } from 'kysely';
export type {
  ColumnType,
  Generated,
  Insertable,
  Kysely,
  Migration,
  Selectable,
  Transaction,
  Updateable,
} from 'kysely';
export * from './service.js';
