/**
 * The demo SP as a process, for `make up` (infra/dev/mesh.ts starts it when asked):
 *
 *   node --conditions=source --import tsx test/sp/main.ts
 *
 * Waits until the gateway answers its metadata, registers itself into the gateway's SP registry
 * directory and serves the demo e-service. Environment (all optional):
 *   DEMO_SP_PORT (8081)  DEMO_SP_HOST (127.0.0.1)  DEMO_SP_BASE_URL (http://localhost:<DEMO_SP_PORT>)
 *   IDP_METADATA_URL (http://localhost:8080/saml/metadata)
 *   SP_REGISTRY_DIR (var/sp-registry, the gateway's default)
 *   DEMO_SP_WAIT_SECONDS (90): how long to wait for the gateway's metadata
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { startDemoSp, type DemoSp } from './demo-sp.js';

const log = (level: 'info' | 'error', msg: string, fields: Record<string, unknown> = {}) =>
  process.stdout.write(
    `${JSON.stringify({ level: level === 'info' ? 30 : 50, time: Date.now(), service: 'demo-sp', msg, ...fields })}\n`,
  );

const env = process.env;
const port = Number(env.DEMO_SP_PORT || 8081);
const host = env.DEMO_SP_HOST || '127.0.0.1';
const baseUrl = (env.DEMO_SP_BASE_URL || `http://localhost:${port}`).replace(/\/$/, '');
const idpMetadataUrl = env.IDP_METADATA_URL || 'http://localhost:8080/saml/metadata';
const registryDir = env.SP_REGISTRY_DIR || 'var/sp-registry';
const waitMs = Number(env.DEMO_SP_WAIT_SECONDS || 90) * 1000;

let sp: DemoSp | undefined;
let stopping = false;

async function stop(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  log('info', `${signal}: stopping`);
  await sp?.close();
  process.exit(0);
}
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(sig, () => void stop(sig));

/** Polls the gateway until it serves its metadata: the SP reads the IdP's certificate from it. */
async function waitForMetadata(): Promise<void> {
  const deadline = Date.now() + waitMs;
  let last: string;
  for (;;) {
    try {
      const res = await fetch(idpMetadataUrl, { signal: AbortSignal.timeout(2000) });
      await res.text();
      if (res.ok) return;
      last = `HTTP ${res.status}`;
    } catch (err) {
      last = err instanceof Error ? ((err.cause as Error | undefined)?.message ?? err.message) : String(err);
    }
    if (stopping) return new Promise<never>(() => {});
    if (Date.now() >= deadline)
      throw new Error(`the gateway's metadata at ${idpMetadataUrl} did not answer in time: ${last}`);
    await sleep(250);
  }
}

async function main(): Promise<void> {
  if (!Number.isInteger(port) || port < 1 || port > 65535)
    throw new Error(`DEMO_SP_PORT is not a port: ${port}`);
  log('info', 'waiting for the gateway metadata', { idpMetadataUrl });
  await waitForMetadata();
  sp = await startDemoSp({ idpMetadataUrl, baseUrl, port, host, registryDir });
  log('info', `demo SP ready at ${baseUrl}`, { entityId: sp.entityId, registryDir, listen: sp.url });
}

main().catch((err: unknown) => {
  log('error', err instanceof Error ? err.message : String(err));
  process.exit(1);
});
