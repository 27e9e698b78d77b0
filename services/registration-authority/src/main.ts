import { loadConfig, redactConfig } from '@idp/config';
import { openServiceDatabase } from '@idp/db';
import { runMain } from '@idp/observability';
import { packageVersion, startRuntime } from '@idp/runtime';
import { listen } from '@idp/web';
import { argon2HasherFromConfig } from '@idp/passwords';
import { createSecretBox, loadTotpKey } from './adapters/crypto/secret-box.js';
import { createPostgresRaStore } from './adapters/postgres/store.js';
import type { RaTables } from './adapters/postgres/tables.js';
import { RegistrationAuthorityConfig } from './config.js';
import { createConsoleApp } from './console/app.js';
import type { ConsoleDeps } from './console/deps.js';
import { eventFactory } from './handlers/events.js';
import { raHandlers } from './handlers/index.js';
import { migrations } from './migrations/index.js';
import { systemClock } from './ports.js';

runMain(async () => {
  const config = loadConfig(RegistrationAuthorityConfig, process.env);
  const rt = await startRuntime({
    service: 'registration-authority',
    version: packageVersion(import.meta.url),
    config,
  });
  rt.log.info({ config: redactConfig(RegistrationAuthorityConfig, config) }, 'configuration');

  const database = await openServiceDatabase<RaTables>(rt, config, migrations);
  const key = await loadTotpKey({
    key: config.RA_TOTP_KEY,
    file: config.RA_TOTP_KEY_FILE,
    generateIfMissing: config.IDP_ENV !== 'production',
    log: rt.log,
  });
  const clock = systemClock;
  const deps: ConsoleDeps = {
    store: createPostgresRaStore(database.db),
    hasher: argon2HasherFromConfig(config, rt.registry, { warn: rt.log.warn.bind(rt.log) }),
    box: createSecretBox(key),
    clock,
    event: eventFactory({ producer: rt.producer, catalog: rt.catalog, clock }),
    rpc: rt.rpc,
    lockout: { maxFailures: config.OFFICER_MAX_FAILURES, lockMs: config.OFFICER_LOCK_SECONDS * 1000 },
    sessions: {
      idleMs: config.SESSION_IDLE_SECONDS * 1000,
      absoluteMs: config.SESSION_ABSOLUTE_SECONDS * 1000,
      secondFactorMs: config.LOGIN_STEP_SECONDS * 1000,
    },
    totpIssuer: config.RA_TOTP_ISSUER,
    log: rt.log,
  };
  rt.serve(raHandlers(deps));

  const app = createConsoleApp(deps, { secureCookies: config.COOKIE_SECURE, log: rt.log });
  const http = await listen(app, {
    host: config.HTTP_HOST,
    port: config.HTTP_PORT,
    log: rt.log,
    name: 'officer console',
  });
  rt.onShutdown('officer console', http.close);
  rt.started();
});
