import { loadConfig, redactConfig } from '@idp/config';
import { openServiceDatabase } from '@idp/db';
import { runMain } from '@idp/observability';
import { packageVersion, startRuntime } from '@idp/runtime';
import { ActivationConfig } from './config.js';
import { migrations } from './migrations/index.js';

runMain(async () => {
  const config = loadConfig(ActivationConfig, process.env);
  const rt = await startRuntime({ service: 'activation', version: packageVersion(import.meta.url), config });
  rt.log.info({ config: redactConfig(ActivationConfig, config) }, 'configuration');

  await openServiceDatabase(rt, config, migrations);
  rt.started();
});
