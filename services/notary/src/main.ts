import { loadConfig, redactConfig } from '@idp/config';
import { EVENTS_STREAM, SEALS_STREAM, SealCheckpointV1 } from '@idp/events';
import { runMain } from '@idp/observability';
import { packageVersion, startRuntime } from '@idp/runtime';
import { NotaryConfig } from './config.js';
import { startNotary } from './notary.js';

runMain(async () => {
  const config = loadConfig(NotaryConfig, process.env);
  const rt = await startRuntime({ service: 'notary', version: packageVersion(import.meta.url), config });
  rt.log.info({ config: redactConfig(NotaryConfig, config) }, 'configuration');

  // The runtime's signer is the notary's own key: the trust file gives it the notary role.
  const notary = startNotary({
    js: rt.js,
    jsm: rt.jsm,
    eventsStream: EVENTS_STREAM,
    sealsStream: SEALS_STREAM,
    subject: SealCheckpointV1.subject,
    signer: rt.signer,
    notary: rt.producer,
    maxEventsPerCheckpoint: config.SEAL_MAX_EVENTS,
    intervalMs: config.SEAL_INTERVAL_MS,
    log: rt.log,
    registry: rt.registry,
  });
  rt.addCheck('sealing', notary.check);
  rt.onShutdown('notary', notary.stop);
  rt.started();
});
