import { loadConfig, redactConfig } from '@idp/config';
import { openServiceDatabase } from '@idp/db';
import { runMain } from '@idp/observability';
import { packageVersion, startRuntime } from '@idp/runtime';
import { createMailQueueSeam } from './adapters/mailer/mail-queue-seam.js';
import type { ActivationTables } from './adapters/postgres/tables.js';
import { ActivationConfig } from './config.js';
import { developmentKey } from './dev-secrets.js';
import { startExpirySweep } from './expiry-sweep.js';
import { migrations } from './migrations/index.js';
import { systemClock } from './ports.js';
import { buildActivation } from './service.js';

runMain(async () => {
  const config = loadConfig(ActivationConfig, process.env);
  const rt = await startRuntime({ service: 'activation', version: packageVersion(import.meta.url), config });
  rt.log.info({ config: redactConfig(ActivationConfig, config) }, 'configuration');

  let codeSecret = config.ACTIVATION_CODE_HMAC_KEY;
  if (!codeSecret) {
    // Config validation allows this only with IDP_ENV=development.
    const dev = await developmentKey(config.ACTIVATION_DEV_SECRETS_FILE, 'ACTIVATION_CODE_HMAC_KEY');
    codeSecret = dev.key;
    rt.log.warn(
      { file: config.ACTIVATION_DEV_SECRETS_FILE, created: dev.created },
      'ACTIVATION_CODE_HMAC_KEY is not set: using a DEVELOPMENT key generated on first run',
    );
  }
  if (config.ACTIVATION_TRUSTED_CA_FILES.length === 0)
    rt.log.warn('ACTIVATION_TRUSTED_CA_FILES is empty: every client certificate is refused as untrusted');

  const database = await openServiceDatabase<ActivationTables>(rt, config, migrations);
  const production = config.IDP_ENV === 'production';
  const activation = buildActivation({
    config,
    codeSecret,
    db: database.db,
    rpc: rt.rpc,
    mailer: createMailQueueSeam({
      devSinkFile: production ? undefined : config.MAIL_DEV_SINK_FILE,
      clock: systemClock,
      log: rt.log,
    }),
    clock: systemClock,
    producer: rt.producer,
    catalog: rt.catalog,
    log: rt.log,
  });
  rt.serve(activation.handlers);
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
  rt.started();
});
