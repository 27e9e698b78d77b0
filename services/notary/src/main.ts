import { loadConfig, redactConfig } from '@idp/config';
import { EVENTS_STREAM, SEALS_STREAM, SealCheckpointV1 } from '@idp/events';
import { runMain } from '@idp/observability';
import { packageVersion, startRuntime } from '@idp/runtime';
import { listen } from '@idp/web';
import { NotaryConfig } from './config.js';
import { statsHandler } from './handlers/stats.js';
import { createOperatorApp } from './http/stats-page.js';
import { startNotary } from './notary.js';
import { startStatsProjection } from './stats-projection.js';

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

  const projection = startStatsProjection({
    nc: rt.nats.nc,
    stream: EVENTS_STREAM,
    catalog: rt.catalog,
    log: rt.log,
    registry: rt.registry,
  });
  rt.addCheck('statistics', projection.check);
  rt.onShutdown('statistics', projection.stop);
  rt.serve([statsHandler(projection)]);

  const operator = await listen(createOperatorApp({ projection, log: rt.log }), {
    host: config.OPERATOR_HOST,
    port: config.OPERATOR_PORT,
    log: rt.log,
    name: 'operator page',
  });
  rt.onShutdown('operator page', operator.close);
  rt.started();
});
