import { loadConfig, redactConfig } from '@idp/config';
import { openServiceDatabase } from '@idp/db';
import { runMain } from '@idp/observability';
import { packageVersion, startRuntime } from '@idp/runtime';
import { AccountsConfig } from './config.js';
import { migrations } from './migrations/index.js';

runMain(async () => {
  const config = loadConfig(AccountsConfig, process.env);
  const rt = await startRuntime({ service: 'accounts', version: packageVersion(import.meta.url), config });
  rt.log.info({ config: redactConfig(AccountsConfig, config) }, 'configuration');

  await openServiceDatabase(rt, config, migrations);
  rt.log.info('accounts ready');
});
