import { loadConfig, redactConfig } from '@idp/config';
import { runMain } from '@idp/observability';
import { connectRedis } from '@idp/redis';
import { packageVersion, startRuntime } from '@idp/runtime';
import { createWebApp, errorHandler, listen } from '@idp/web';
import { GatewayConfig } from './config.js';
import { homeRoute } from './http/home.js';

runMain(async () => {
  const config = loadConfig(GatewayConfig, process.env);
  const rt = await startRuntime({ service: 'idp-gateway', version: packageVersion(import.meta.url), config });
  rt.log.info({ config: redactConfig(GatewayConfig, config) }, 'configuration');

  const redis = connectRedis({ url: config.REDIS_URL, prefix: 'gw:', log: rt.log, name: rt.producer });
  rt.addCheck('redis', redis.check);
  rt.onShutdown('redis', redis.close);

  const app = createWebApp({ log: rt.log, trustProxy: config.TRUST_PROXY ? 'loopback' : undefined });
  app.get('/', homeRoute());
  app.use(errorHandler());
  const http = await listen(app, {
    host: config.HTTP_HOST,
    port: config.HTTP_PORT,
    log: rt.log,
    name: 'public http',
  });
  rt.onShutdown('public http', http.close);
  rt.log.info({ publicUrl: config.PUBLIC_URL }, 'idp-gateway ready');
});
