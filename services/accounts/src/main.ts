import { loadConfig, redactConfig } from '@idp/config';
import { openServiceDatabase } from '@idp/db';
import { runMain } from '@idp/observability';
import { packageVersion, startRuntime } from '@idp/runtime';
import { createArgon2Hasher } from './adapters/argon2/hasher.js';
import { createPostgresAccountStore } from './adapters/postgres/store.js';
import type { AccountsTables } from './adapters/postgres/tables.js';
import { AccountsConfig } from './config.js';
import { eventFactory } from './handlers/events.js';
import { accountsHandlers } from './handlers/index.js';
import { migrations } from './migrations/index.js';
import { systemClock } from './ports.js';
import { startThrottleSweep } from './throttle-sweep.js';

runMain(async () => {
  const config = loadConfig(AccountsConfig, process.env);
  const rt = await startRuntime({ service: 'accounts', version: packageVersion(import.meta.url), config });
  rt.log.info({ config: redactConfig(AccountsConfig, config) }, 'configuration');

  const database = await openServiceDatabase<AccountsTables>(rt, config, migrations);
  const store = createPostgresAccountStore(database.db);
  const clock = systemClock;
  rt.serve(
    accountsHandlers({
      store,
      clock,
      hasher: createArgon2Hasher({
        memoryKib: config.ARGON2_MEMORY_KIB,
        timeCost: config.ARGON2_TIME_COST,
        parallelism: config.ARGON2_PARALLELISM,
      }),
      event: eventFactory({ producer: rt.producer, catalog: rt.catalog, clock }),
      loginPolicy: {
        account: {
          maxFailures: config.LOGIN_ACCOUNT_MAX_FAILURES,
          windowMs: config.LOGIN_ACCOUNT_WINDOW_SECONDS * 1000,
          lockMs: config.LOGIN_ACCOUNT_LOCK_SECONDS * 1000,
        },
        address: {
          maxFailures: config.LOGIN_ADDRESS_MAX_FAILURES,
          windowMs: config.LOGIN_ADDRESS_WINDOW_SECONDS * 1000,
          lockMs: config.LOGIN_ADDRESS_LOCK_SECONDS * 1000,
        },
      },
    }),
  );
  const sweep = startThrottleSweep({
    store,
    clock,
    intervalMs: config.LOGIN_THROTTLE_SWEEP_SECONDS * 1000,
    log: rt.log,
  });
  // Hooks run last-registered first: the sweep stops before the pool closes.
  rt.onShutdown('throttle sweep', () => sweep.stop());
  rt.started();
});
