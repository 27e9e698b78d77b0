import { configuredOrDevelopmentSecret, loadConfig, optionalSecret, redactConfig } from '@idp/config';
import { openServiceDatabase } from '@idp/db';
import { MAIL_SEAL_PURPOSE, OTP_DESTINATION_PURPOSE, createSealer, deriveKey, otpRpc } from '@idp/events';
import { runMain } from '@idp/observability';
import { packageVersion, startRuntime } from '@idp/runtime';
import { readAuditorRoster, rosterFileDirectory } from './adapters/auditors/roster-file.js';
import { argon2HasherFromConfig } from '@idp/passwords';
import { sealedMailQueue } from './adapters/mail/mail-queue.js';
import { createPostgresAccountStore } from './adapters/postgres/store.js';
import type { AccountsTables } from './adapters/postgres/tables.js';
import { AccountsConfig } from './config.js';
import { createPersonKeyWrapper } from './domain/person-key.js';
import { eventFactory } from './handlers/events.js';
import { accountsHandlers } from './handlers/index.js';
import { startLifecycleConsumers } from './handlers/lifecycle-events.js';
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
  const warn = rt.log.warn.bind(rt.log);
  const mailSealKey = await configuredOrDevelopmentSecret(config.MAIL_SEAL_KEY, {
    file: config.MAIL_DEV_SECRETS_FILE,
    name: 'MAIL_SEAL_KEY',
    note: 'shared with activation',
    warn,
  });
  const masterKey = await configuredOrDevelopmentSecret(config.PERSONAL_DATA_MASTER_KEY, {
    file: config.PERSONAL_DATA_DEV_SECRETS_FILE,
    name: 'PERSONAL_DATA_MASTER_KEY',
    warn,
  });
  // Optional outside development: without it otp-sender asks for each login's phone instead.
  const otpDestinationKey = await optionalSecret(config.IDP_ENV, config.OTP_DESTINATION_KEY, {
    file: config.OTP_DESTINATION_DEV_SECRETS_FILE,
    name: 'OTP_DESTINATION_KEY',
    note: 'shared with otp-sender',
    warn,
  });
  // Read once at start so a broken roster shows at once; requests re-read it.
  const roster = await readAuditorRoster(config.AUDITORS_FILE);
  rt.log.info({ file: config.AUDITORS_FILE, auditors: roster.length }, 'auditor roster');
  const event = eventFactory({ producer: rt.producer, catalog: rt.catalog, clock });
  rt.serve(
    accountsHandlers({
      store,
      clock,
      hasher: argon2HasherFromConfig(config, rt.registry, { warn }),
      event,
      mail: sealedMailQueue({ sealer: createSealer(deriveKey(mailSealKey, MAIL_SEAL_PURPOSE)), event }),
      personKeys: createPersonKeyWrapper(masterKey),
      auditors: rosterFileDirectory(config.AUDITORS_FILE),
      otp: { status: (request, ctx) => rt.rpc.call(otpRpc.status, request, ctx) },
      ...(otpDestinationKey
        ? { otpDestinations: createSealer(deriveKey(otpDestinationKey, OTP_DESTINATION_PURPOSE)) }
        : {}),
      registration: {
        termsVersion: config.TERMS_VERSION,
        emailConfirmationTtlMs: config.EMAIL_CONFIRMATION_TTL_SECONDS * 1000,
        passwordResetTtlMs: config.PASSWORD_RESET_TTL_SECONDS * 1000,
      },
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
  const consumers = await startLifecycleConsumers(
    { store, clock, event },
    {
      js: rt.js,
      jsm: rt.jsm,
      publisher: rt.publisher,
      catalog: rt.catalog,
      log: rt.log,
      registry: rt.registry,
    },
  );
  rt.onShutdown('lifecycle consumers', () => consumers.stop());
  const sweep = startThrottleSweep({
    store,
    clock,
    intervalMs: config.LOGIN_THROTTLE_SWEEP_SECONDS * 1000,
    log: rt.log,
  });
  // Hooks run last-registered first: the sweep and the consumers stop before the pool closes.
  rt.onShutdown('throttle sweep', () => sweep.stop());
  rt.started();
});
