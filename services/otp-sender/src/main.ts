import { loadConfig, redactConfig } from '@idp/config';
import { runMain } from '@idp/observability';
import { connectRedis } from '@idp/redis';
import { packageVersion, startRuntime } from '@idp/runtime';
import { OtpSenderConfig } from './config.js';

runMain(async () => {
  const config = loadConfig(OtpSenderConfig, process.env);
  const rt = await startRuntime({ service: 'otp-sender', version: packageVersion(import.meta.url), config });
  rt.log.info({ config: redactConfig(OtpSenderConfig, config) }, 'configuration');

  const redis = connectRedis({ url: config.REDIS_URL, prefix: 'otp:', log: rt.log, name: rt.producer });
  rt.addCheck('redis', redis.check);
  rt.onShutdown('redis', redis.close);
  rt.log.info('otp-sender ready');
});
