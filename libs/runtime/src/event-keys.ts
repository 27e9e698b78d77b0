import { createPrivateKey, createPublicKey } from 'node:crypto';
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { createEventSigner, generateSigningKeyPair, type EventSigner } from '@idp/events';
import type { Logger } from '@idp/observability';

/** Where a service's event signing key lives unless EVENT_SIGNING_KEY_FILE says otherwise. */
export const defaultEventKeyFile = (service: string): string =>
  join('var', 'event-keys', `${service}.key.pem`);

/** `<dir>/<name>.key.pem` → `<dir>/<name>.pub.pem`: the public half auditors collect into the trust file. */
export function publicKeyFileFor(keyFile: string): string {
  const name = basename(keyFile).replace(/(\.key)?\.pem$/, '');
  return join(dirname(keyFile), `${name}.pub.pem`);
}

const readIfExists = (path: string) => readFile(path, 'utf8').catch(() => undefined);

/**
 * The service's Ed25519 event signing key. In development a missing key is made once, with its
 * public key next to it, so `pnpm idp audit trust` can collect it; production must be given the
 * file (a key made on the fly would be trusted by no auditor).
 */
export async function loadEventSigner(o: {
  keyFile: string;
  generateIfMissing: boolean;
  log: Logger;
}): Promise<EventSigner> {
  let pem = await readIfExists(o.keyFile);
  if (pem === undefined) {
    if (!o.generateIfMissing) throw new Error(`event signing key missing: ${o.keyFile}`);
    await generate(o.keyFile, o.log);
    pem = await readFile(o.keyFile, 'utf8');
  }
  const signer = createEventSigner(pem);
  // The public file is only a convenience copy; rewrite it when it is missing or from another key.
  const pubFile = publicKeyFileFor(o.keyFile);
  const publicPem = createPublicKey(createPrivateKey(pem)).export({ type: 'spki', format: 'pem' }).toString();
  if ((await readIfExists(pubFile)) !== publicPem && o.generateIfMissing)
    await writeAtomic(pubFile, publicPem, 0o644);
  o.log.info({ keyId: signer.keyId, keyFile: o.keyFile }, 'event signing key loaded');
  return signer;
}

async function generate(keyFile: string, log: Logger): Promise<void> {
  await mkdir(dirname(keyFile), { recursive: true });
  // Replicas of a service start together and must share one key: exclusive create decides who
  // writes; the others wait for the file to appear whole (it is renamed into place).
  const claim = await open(`${keyFile}.lock`, 'wx').catch(() => undefined);
  if (!claim) {
    for (let i = 0; i < 100 && (await readIfExists(keyFile)) === undefined; i++)
      await new Promise((r) => setTimeout(r, 50));
    return;
  }
  try {
    const pair = generateSigningKeyPair();
    await writeAtomic(keyFile, pair.privateKeyPem, 0o600);
    await writeAtomic(publicKeyFileFor(keyFile), pair.publicKeyPem, 0o644);
    log.warn({ keyFile }, 'generated a DEVELOPMENT event signing key; production needs a real key file');
  } finally {
    await claim.close();
    await rm(`${keyFile}.lock`, { force: true });
  }
}

async function writeAtomic(path: string, content: string, mode: number): Promise<void> {
  const tmp = `${path}.${process.pid}.tmp`;
  const f = await open(tmp, 'w', mode);
  await f.writeFile(content);
  await f.close();
  await rename(tmp, path);
}
