import { loadConfig, redactConfig } from '@idp/config';
import { openServiceDatabase } from '@idp/db';
import { runMain } from '@idp/observability';
import { packageVersion, startRuntime } from '@idp/runtime';
import { createWebApp, errorHandler, listen } from '@idp/web';
import { RegistrationAuthorityConfig } from './config.js';
import { migrations } from './migrations/index.js';
import { consoleHomeRoute } from './http/home.js';

runMain(async () => {
  const config = loadConfig(RegistrationAuthorityConfig, process.env);
  const rt = await startRuntime({
    service: 'registration-authority',
    version: packageVersion(import.meta.url),
    config,
  });
  rt.log.info({ config: redactConfig(RegistrationAuthorityConfig, config) }, 'configuration');

  await openServiceDatabase(rt, config, migrations);

  const app = createWebApp({ log: rt.log });
  app.get('/', consoleHomeRoute());
  app.use(errorHandler());
  const http = await listen(app, {
    host: config.HTTP_HOST,
    port: config.HTTP_PORT,
    log: rt.log,
    name: 'officer console',
  });
  rt.onShutdown('officer console', http.close);
  rt.started();
});
