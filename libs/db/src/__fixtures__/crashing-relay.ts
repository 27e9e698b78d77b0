/**
 * A relay that dies like a crashed process: after OUTBOX_CRASH_AFTER_PUBLISHES acknowledged
 * publishes it SIGKILLs itself, before the batch in hand is marked published. Run by the crash
 * test as `node --conditions=source --import tsx crashing-relay.ts` with DATABASE_URL, NATS_URL and
 * OUTBOX_SCHEMA set. The crash hook lives here only; the library has no such switch.
 */
import { connect } from '@nats-io/transport-node';
import { createTestSigner, jetstream, type JetStreamClient } from '@idp/events';
import { Registry, createLogger } from '@idp/observability';
import { createDatabase } from '../database.js';
import { startOutboxRelay } from '../relay.js';

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is required`);
  return value;
}

const crashAfter = Number(required('OUTBOX_CRASH_AFTER_PUBLISHES'));
const schema = required('OUTBOX_SCHEMA');
const log = createLogger({ service: 'crashing-relay', level: 'silent' });
const database = createDatabase({ connectionString: required('DATABASE_URL'), schema, log });
const nc = await connect({ servers: required('NATS_URL') });
const real = jetstream(nc);

let acknowledged = 0;
const publish: JetStreamClient['publish'] = async (...args) => {
  const ack = await real.publish(...args);
  if (++acknowledged >= crashAfter) process.kill(process.pid, 'SIGKILL');
  return ack;
};
const js = new Proxy(real, {
  get: (target, prop, receiver) => (prop === 'publish' ? publish : Reflect.get(target, prop, receiver)),
});

startOutboxRelay({
  pool: database.pool,
  schema,
  js,
  signer: createTestSigner(),
  log,
  registry: new Registry(),
  listen: false,
  pollIntervalMs: 50,
});
