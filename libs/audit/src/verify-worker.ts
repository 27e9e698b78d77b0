/**
 * A worker thread of `verifyAuditLog`: checks event signatures in batches. Ed25519 verification
 * is the cost of a verify run (about 6,000 per second per core), so it is spread over the cores.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { createPublicKey } from 'node:crypto';
import type { StoredMessage } from './seals.js';
import { signatureProblem } from './verify-checks.js';
import type { TrustedKey } from './verify-trust.js';

export interface WorkerKey {
  keyId: string;
  service: string;
  role: TrustedKey['role'];
  publicKeyPem: string;
}

const keys = workerData as WorkerKey[];
const trust = new Map<string, TrustedKey>(
  keys.map((k) => [k.keyId, { ...k, publicKey: createPublicKey(k.publicKeyPem) }]),
);

parentPort?.on('message', (batch: { id: number; messages: StoredMessage[] }) => {
  parentPort?.postMessage({
    id: batch.id,
    results: batch.messages.map((m) => signatureProblem(m, trust, 'producer') ?? null),
  });
});
