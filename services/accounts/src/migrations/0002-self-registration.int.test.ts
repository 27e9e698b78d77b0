import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { outboxMigrations, createDatabase, migrate, sql } from '@idp/db';
import { findInfrastructure, uniqueName } from '@idp/testing';
import { testLog } from '../__fixtures__/harness.js';
import type { AccountsTables } from '../adapters/postgres/tables.js';
import { accounts0001 } from './0001-accounts.js';
import { migrations } from './index.js';

describe('accounts migration 0002 on accounts made under 0001 (real PostgreSQL)', () => {
  it('gives existing accounts the lifecycle state their smsPASS status and suspension imply', async () => {
    const infra = await findInfrastructure();
    const schema = uniqueName('t_acc_mig_');
    const database = createDatabase<AccountsTables>({
      connectionString: infra.databaseUrl,
      schema,
      log: testLog,
    });
    try {
      await migrate({
        db: database.db,
        schema,
        migrations: { ...outboxMigrations, '0001_accounts': accounts0001 },
        log: testLog,
      });
      const rows: [string, string, boolean][] = [
        ['none', 'email_confirmed', false],
        ['active', 'smspass_active', false],
        ['pending', 'smspass_pending', false],
        ['active', 'suspended', true],
      ];
      const ids = rows.map(() => randomUUID());
      for (const [i, [smsPass, , suspended]] of rows.entries()) {
        await sql`INSERT INTO accounts (id, email, password_hash, sms_pass, suspended_at)
          VALUES (${ids[i]}, ${`a${i}@example.si`}, 'x', ${smsPass}, ${suspended ? new Date() : null})`.execute(
          database.db,
        );
      }
      expect(await migrate({ db: database.db, schema, migrations, log: testLog })).to.deep.equal([
        '0002_self_registration',
        '0003_smspass_activations',
        '0004_user_pages',
      ]);
      const after = await database.db
        .selectFrom('accounts')
        .select(['id', 'state', 'suspended_from', 'language', 'email_confirmed_at'])
        .execute();
      for (const [i, [, state]] of rows.entries()) {
        const row = after.find((r) => r.id === ids[i])!;
        expect(row.state, state).to.equal(state);
        expect(row.language).to.equal('sl');
        expect(row.email_confirmed_at).to.be.instanceOf(Date);
      }
      expect(after.find((r) => r.id === ids[3])!.suspended_from).to.equal('smspass_active');
      // The state is CHECKed: a write outside the lifecycle fails loudly.
      const bad = await sql`UPDATE accounts SET state = 'frozen'`
        .execute(database.db)
        .catch((e: unknown) => e);
      expect(bad).to.have.property('code', '23514');
    } finally {
      await sql`DROP SCHEMA IF EXISTS ${sql.id(schema)} CASCADE`.execute(database.db);
      await database.close();
    }
  });
});
