import { configuredOrDevelopmentSecret, loadConfig, optionalSecret, redactConfig } from '@idp/config';
import { runMain } from '@idp/observability';
import { connectRedis } from '@idp/redis';
import { packageVersion, startRuntime } from '@idp/runtime';
import { OtpSenderConfig, smsTransport } from './config.js';
import { systemClock } from './ports.js';
import { buildOtpSender, createTransport } from './service.js';

runMain(async () => {
  const config = loadConfig(OtpSenderConfig, process.env);
  const rt = await startRuntime({ service: 'otp-sender', version: packageVersion(import.meta.url), config });
  rt.log.info({ config: redactConfig(OtpSenderConfig, config) }, 'configuration');
  const redis = connectRedis({ url: config.REDIS_URL, prefix: 'otp:', log: rt.log, name: rt.producer });
  rt.addCheck('redis', redis.check);
  rt.onShutdown('redis', redis.close);

  const otpHmacKey = await configuredOrDevelopmentSecret(config.OTP_HMAC_KEY, {
    file: config.OTP_DEV_SECRETS_FILE,
    name: 'OTP_HMAC_KEY',
    note: 'generated on first run',
    warn: rt.log.warn.bind(rt.log),
  });

  // Optional outside development: without it every login's phone is asked of accounts.
  const otpDestinationKey = await optionalSecret(config.IDP_ENV, config.OTP_DESTINATION_KEY, {
    file: config.OTP_DESTINATION_DEV_SECRETS_FILE,
    name: 'OTP_DESTINATION_KEY',
    note: 'shared with accounts',
    warn: rt.log.warn.bind(rt.log),
  });

  const sms = createTransport(config, systemClock);
  rt.onShutdown('sms transport', () => sms.close());
  if (sms.devReader) {
    rt.log.warn({ file: config.SMS_DEV_SINK_FILE }, 'SMS go to the development sink, not to phones');
  }
  const otp = buildOtpSender({
    config,
    secrets: {
      otpHmacKey,
      ...(config.SMS_SEAL_KEY ? { smsSealKey: config.SMS_SEAL_KEY } : {}),
      ...(otpDestinationKey ? { otpDestinationKey } : {}),
    },
    redis,
    js: rt.js,
    jsm: rt.jsm,
    publisher: rt.publisher,
    rpc: rt.rpc,
    catalog: rt.catalog,
    log: rt.log,
    registry: rt.registry,
    transport: sms.transport,
    ...(sms.devReader ? { devReader: sms.devReader } : {}),
  });
  rt.serve(otp.handlers);
  const worker = await otp.startWorker();
  rt.onShutdown('sms worker', () => worker.stop());
  rt.log.info(
    { transport: smsTransport(config), subjects: otp.handlers.map((h) => h.contract.subject) },
    'otp-sender ready',
  );
  // Last: only now does /readyz say ready and the mesh route traffic here.
  rt.started();
});
