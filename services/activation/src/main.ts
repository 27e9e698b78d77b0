import { configuredOrDevelopmentSecret, loadConfig, redactConfig } from '@idp/config';
import { openServiceDatabase } from '@idp/db';
import { MAIL_SEAL_PURPOSE, createSealer, deriveKey, type RpcHandler } from '@idp/events';
import { runMain } from '@idp/observability';
import { packageVersion, startRuntime } from '@idp/runtime';
import { ActivationConfig, mailTransport } from './config.js';
import { devMail } from './mail/dev-mail.js';
import { createDevMailSink } from './mail/dev-sink.js';
import { createSmtpTransport } from './mail/smtp.js';
import { startMailWorker } from './mail/worker.js';
import type { ActivationTables } from './adapters/postgres/tables.js';
import { startExpirySweep } from './expiry-sweep.js';
import { migrations } from './migrations/index.js';
import { systemClock } from './ports.js';
import { buildActivation } from './service.js';

runMain(async () => {
  const config = loadConfig(ActivationConfig, process.env);
  const rt = await startRuntime({ service: 'activation', version: packageVersion(import.meta.url), config });
  rt.log.info({ config: redactConfig(ActivationConfig, config) }, 'configuration');

  const warn = rt.log.warn.bind(rt.log);
  const codeSecret = await configuredOrDevelopmentSecret(config.ACTIVATION_CODE_HMAC_KEY, {
    file: config.ACTIVATION_DEV_SECRETS_FILE,
    name: 'ACTIVATION_CODE_HMAC_KEY',
    note: 'generated on first run',
    warn,
  });
  if (config.ACTIVATION_TRUSTED_CA_FILES.length === 0)
    rt.log.warn('ACTIVATION_TRUSTED_CA_FILES is empty: every client certificate is refused as untrusted');

  const database = await openServiceDatabase<ActivationTables>(rt, config, migrations);
  const sealKey = await configuredOrDevelopmentSecret(config.MAIL_SEAL_KEY, {
    file: config.MAIL_DEV_SECRETS_FILE,
    name: 'MAIL_SEAL_KEY',
    note: 'shared with accounts',
    warn,
  });

  const mailSealer = createSealer(deriveKey(sealKey, MAIL_SEAL_PURPOSE));
  const handlers: RpcHandler[] = [];
  let transport;
  if (mailTransport(config) === 'dev_sink') {
    const sink = createDevMailSink(config.MAIL_DEV_SINK_FILE, () => new Date());
    transport = sink;
    // /dev/mail must never exist where real citizens' links flow.
    if (config.IDP_ENV !== 'production') handlers.push(devMail(sink));
    rt.log.warn({ file: config.MAIL_DEV_SINK_FILE }, 'e-mail goes to the development sink, not to mailboxes');
  } else {
    transport = createSmtpTransport({
      host: config.SMTP_HOST!,
      port: config.SMTP_PORT,
      secure: config.SMTP_SECURE,
      requireTls: config.SMTP_REQUIRE_TLS ?? config.IDP_ENV === 'production',
      ...(config.SMTP_USER ? { user: config.SMTP_USER, password: config.SMTP_PASSWORD ?? '' } : {}),
      from: config.MAIL_FROM!,
      timeoutMs: config.SMTP_TIMEOUT_MS,
    });
  }
  rt.onShutdown('mail transport', () => transport.close());

  const worker = await startMailWorker({
    js: rt.js,
    jsm: rt.jsm,
    db: database.db,
    publisher: rt.publisher,
    catalog: rt.catalog,
    log: rt.log,
    registry: rt.registry,
    producer: rt.producer,
    sealer: mailSealer,
    transport,
    publicBaseUrl: config.MAIL_PUBLIC_BASE_URL,
    maxAttempts: config.MAIL_MAX_ATTEMPTS,
    backoffMs: config.MAIL_RETRY_BACKOFF_MS,
    ackWaitMs: config.MAIL_ACK_WAIT_MS,
  });
  rt.onShutdown('mail worker', () => worker.stop());

  const activation = buildActivation({
    config,
    codeSecret,
    db: database.db,
    rpc: rt.rpc,
    mailSealer,
    clock: systemClock,
    producer: rt.producer,
    catalog: rt.catalog,
    log: rt.log,
  });
  rt.serve([...handlers, ...activation.handlers]);
  const consumer = await activation.startConsumer({
    js: rt.js,
    jsm: rt.jsm,
    publisher: rt.publisher,
    registry: rt.registry,
  });
  rt.onShutdown('ra consumer', () => consumer.stop());
  const sweep = startExpirySweep(activation.deps, {
    intervalMs: config.EXPIRY_SWEEP_SECONDS * 1000,
    log: rt.log,
  });
  // Hooks run last-registered first: the sweep and the consumer stop before the pool closes.
  rt.onShutdown('expiry sweep', () => sweep.stop());
  rt.log.info({ transport: mailTransport(config) }, 'activation ready');
  rt.started();
});
