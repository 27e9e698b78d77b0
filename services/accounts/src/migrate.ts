import { loadConfig } from '@idp/config';
import { createDatabase, migrate } from '@idp/db';
import { createLogger, runMain } from '@idp/observability';
import { AccountsConfig } from './config.js';
import { migrations } from './migrations/index.js';

// `pnpm migrate`: applies pending migrations and exits, for deployments that migrate as a release step.
runMain(async () => {
  const config = loadConfig(AccountsConfig, process.env);
  const log = createLogger({ service: 'accounts', level: config.LOG_LEVEL });
  const database = createDatabase({
    connectionString: config.DATABASE_URL,
    schema: config.DATABASE_SCHEMA,
    log,
    poolMax: 1,
  });
  try {
    const applied = await migrate({ db: database.db, schema: config.DATABASE_SCHEMA, migrations, log });
    log.info({ applied }, applied.length ? 'migrations applied' : 'schema already current');
  } finally {
    await database.close();
  }
});
