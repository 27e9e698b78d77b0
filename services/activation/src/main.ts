import { developmentSecret, loadConfig, redactConfig } from '@idp/config';
import { openServiceDatabase } from '@idp/db';
import { MAIL_SEAL_PURPOSE, createSealer, deriveKey, type RpcHandler } from '@idp/events';
import { runMain } from '@idp/observability';
import { packageVersion, startRuntime } from '@idp/runtime';
import { ActivationConfig, mailTransport } from './config.js';
import { devMail } from './mail/dev-mail.js';
import { createDevMailSink } from './mail/dev-sink.js';
import { createSmtpTransport } from './mail/smtp.js';
import { startMailWorker } from './mail/worker.js';
import { migrations } from './migrations/index.js';

runMain(async () => {
  const config = loadConfig(ActivationConfig, process.env);
  const rt = await startRuntime({ service: 'activation', version: packageVersion(import.meta.url), config });
  rt.log.info({ config: redactConfig(ActivationConfig, config) }, 'configuration');

  const database = await openServiceDatabase(rt, config, migrations);

  let sealKey = config.MAIL_SEAL_KEY;
  if (!sealKey) {
    // Config validation allows this only with IDP_ENV=development.
    const dev = await developmentSecret(config.MAIL_DEV_SECRETS_FILE, 'MAIL_SEAL_KEY');
    sealKey = dev.value;
    rt.log.warn(
      { file: config.MAIL_DEV_SECRETS_FILE, created: dev.created },
      'MAIL_SEAL_KEY is not set: using a DEVELOPMENT key shared with accounts; production requires MAIL_SEAL_KEY',
    );
  }

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
  rt.serve(handlers);

  const worker = await startMailWorker({
    js: rt.js,
    jsm: rt.jsm,
    db: database.db,
    publisher: rt.publisher,
    catalog: rt.catalog,
    log: rt.log,
    registry: rt.registry,
    producer: rt.producer,
    sealer: createSealer(deriveKey(sealKey, MAIL_SEAL_PURPOSE)),
    transport,
    publicBaseUrl: config.MAIL_PUBLIC_BASE_URL,
    maxAttempts: config.MAIL_MAX_ATTEMPTS,
    backoffMs: config.MAIL_RETRY_BACKOFF_MS,
    ackWaitMs: config.MAIL_ACK_WAIT_MS,
  });
  rt.onShutdown('mail worker', () => worker.stop());
  rt.log.info({ transport: mailTransport(config) }, 'activation ready');
  rt.started();
});
