import { Worker } from 'node:worker_threads';
import type { StoredMessage } from './seals.js';
import { signatureProblem } from './verify-checks.js';
import type { Trust } from './verify-trust.js';
import type { WorkerKey } from './verify-worker.js';

export type SignatureVerdict = ReturnType<typeof signatureProblem>;

/** Checks batches of event signatures, in this thread or spread over worker threads. */
export interface SignaturePool {
  check(messages: StoredMessage[]): Promise<SignatureVerdict[]>;
  close(): Promise<void>;
}

export function inlinePool(trust: Trust): SignaturePool {
  return {
    check: (messages) => Promise.resolve(messages.map((m) => signatureProblem(m, trust, 'producer'))),
    close: () => Promise.resolve(),
  };
}

const fromSource = import.meta.url.endsWith('.ts');

/**
 * Built, the worker is the .js next to this file. From source (tsx), Node 20 does not apply the
 * parent's `--import tsx` hooks to a worker's entry module, so the worker registers tsx itself.
 */
function startWorker(workerData: WorkerKey[]): Worker {
  if (!fromSource) return new Worker(new URL('./verify-worker.js', import.meta.url), { workerData });
  const entry = JSON.stringify(new URL('./verify-worker.ts', import.meta.url).href);
  return new Worker(`import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${entry}); });`, {
    eval: true,
    workerData,
  });
}

export function workerPool(trust: Trust, size: number): SignaturePool {
  const keys: WorkerKey[] = [...trust.values()].map((k) => ({
    keyId: k.keyId,
    service: k.service,
    role: k.role,
    publicKeyPem: k.publicKeyPem,
  }));
  const pending = new Map<number, { resolve: (r: SignatureVerdict[]) => void; reject: (e: Error) => void }>();
  const workers = Array.from({ length: size }, () => {
    const w = startWorker(keys);
    w.on('message', (r: { id: number; results: (SignatureVerdict | null)[] }) => {
      pending.get(r.id)?.resolve(r.results.map((x) => x ?? undefined));
      pending.delete(r.id);
    });
    w.on('error', (err) => {
      for (const p of pending.values()) p.reject(err);
      pending.clear();
    });
    return w;
  });
  let next = 0;
  return {
    check: (messages) =>
      new Promise((resolve, reject) => {
        const id = next++;
        pending.set(id, { resolve, reject });
        workers[id % workers.length]!.postMessage({ id, messages });
      }),
    close: async () => {
      await Promise.all(workers.map((w) => w.terminate()));
    },
  };
}
