import { hkdfSync } from 'node:crypto';
import {
  EVENTS_STREAM,
  consume,
  type Catalog,
  type JetStreamClient,
  type JetStreamManager,
  type Publisher,
  type RpcClient,
  type RunningConsumer,
  type Sealer,
} from '@idp/events';
import type { Logger, Registry } from '@idp/observability';
import type { Kysely } from '@idp/db';
import { loadTrustAnchors } from './adapters/certificates/check.js';
import { createLetterWriter } from './adapters/letters/pdf-letter.js';
import { sealedActivationMailer } from './adapters/mailer/mail-queue.js';
import { createPostgresRequestStore } from './adapters/postgres/store.js';
import type { ActivationTables } from './adapters/postgres/tables.js';
import { requireCrl, type ActivationConfig } from './config.js';
import { generateActivationCode, generateRequestNumber } from './domain/code.js';
import { DEFAULT_POLICY, type ActivationPolicy } from './domain/request.js';
import { eventFactory, type Deps } from './handlers/deps.js';
import { activationHandlers } from './handlers/index.js';
import { RA_CONSUMER, raHandlers } from './handlers/ra-events.js';
import type { Clock } from './ports.js';

/** The code HMAC key, derived so the configured secret is never used as a key directly. */
export const codeKey = (secret: string): Buffer =>
  Buffer.from(hkdfSync('sha256', secret, '', 'idp/activation/code-hmac/v1', 32));

/** Everything the service runs, from its adapters; main.ts and the integration tests both use it. */
export function buildActivation(w: {
  config: ActivationConfig;
  codeSecret: string;
  db: Kysely<ActivationTables>;
  rpc: RpcClient;
  /** Seals activation mail jobs for the mail worker (`MAIL_SEAL_KEY`). */
  mailSealer: Sealer;
  clock: Clock;
  producer: string;
  catalog: Catalog;
  log: Logger;
  policy?: ActivationPolicy;
}) {
  const { config } = w;
  const event = eventFactory({ producer: w.producer, catalog: w.catalog, clock: w.clock });
  const deps: Deps = {
    store: createPostgresRequestStore(w.db),
    clock: w.clock,
    event,
    rpc: w.rpc,
    mailer: sealedActivationMailer({ sealer: w.mailSealer, event }),
    letters: createLetterWriter(config.LETTERS_DIR),
    trust: () =>
      loadTrustAnchors({
        caFiles: config.ACTIVATION_TRUSTED_CA_FILES,
        crlFiles: config.ACTIVATION_CRL_FILES,
        requireCrl: requireCrl(config),
      }),
    policy: w.policy ?? DEFAULT_POLICY,
    codeKey: codeKey(w.codeSecret),
    generateCode: () => generateActivationCode(),
    generateRequestNumber: (prefix) => generateRequestNumber(prefix),
    smsServiceName: config.SMS_SERVICE_NAME,
    mailLanguage: config.MAIL_LANGUAGE,
    log: w.log,
  };
  return {
    deps,
    handlers: activationHandlers(deps),
    /**
     * The durable consumer of the officers' decisions: idp.ra.identity_confirmed / request_rejected
     * (activation requests) and idp.ra.correction_approved / correction_rejected (corrections).
     */
    startConsumer: (o: {
      js: JetStreamClient;
      jsm: JetStreamManager;
      publisher: Publisher;
      registry: Registry;
      stream?: string;
      filterSubject?: string;
      durable?: string;
    }): Promise<RunningConsumer> =>
      consume(o.js, o.jsm, {
        stream: o.stream ?? EVENTS_STREAM,
        durable: o.durable ?? RA_CONSUMER,
        // One filter (nats-server 2.9); the other idp.ra.* events are acknowledged unhandled.
        filterSubject: o.filterSubject ?? 'idp.ra.>',
        handlers: raHandlers(deps),
        catalog: w.catalog,
        publisher: o.publisher,
        log: w.log,
        registry: o.registry,
      }),
  };
}
