import { createPublicKey, type KeyObject } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { keyIdOf } from '@idp/events';

/**
 * The keys an auditor trusts: every producing service's event key and the notary's. Built from
 * the public key files (`pnpm idp audit trust`) and kept by the auditors, outside the operators' reach.
 */
export const TrustFile = z.object({
  version: z.literal(1),
  keys: z.array(
    z.object({
      keyId: z.string().regex(/^[0-9a-f]{32}$/),
      service: z.string().min(1),
      /** SPKI PEM. */
      publicKey: z.string().min(1),
      /** `notary` keys may sign checkpoints only; `producer` keys events only. */
      role: z.enum(['producer', 'notary']),
    }),
  ),
});
export type TrustFile = z.infer<typeof TrustFile>;
export type TrustRole = TrustFile['keys'][number]['role'];

export interface TrustedKey {
  keyId: string;
  service: string;
  role: TrustRole;
  publicKey: KeyObject;
  publicKeyPem: string;
}

export type Trust = ReadonlyMap<string, TrustedKey>;

/** Parses and checks a trust file: every key id must be the one its public key gives. */
export function parseTrust(text: string): Trust {
  const file = TrustFile.parse(JSON.parse(text));
  const trust = new Map<string, TrustedKey>();
  for (const k of file.keys) {
    const publicKey = createPublicKey(k.publicKey);
    if (publicKey.asymmetricKeyType !== 'ed25519') throw new Error(`key ${k.keyId} is not an Ed25519 key`);
    if (keyIdOf(publicKey) !== k.keyId)
      throw new Error(`key ${k.keyId} (${k.service}): the key id does not match its public key`);
    trust.set(k.keyId, { ...k, publicKey, publicKeyPem: k.publicKey });
  }
  return trust;
}

/** The service a `<service>.pub.pem` file belongs to; the notary's key gets the notary role. */
const roleOf = (service: string): TrustRole => (service === 'notary' ? 'notary' : 'producer');

/** A trust file from every `<service>.pub.pem` in `dir` (as the services write them next to their keys). */
export async function buildTrustFile(dir: string): Promise<TrustFile> {
  const names = (await readdir(dir)).filter((n) => n.endsWith('.pub.pem')).sort();
  const keys = await Promise.all(
    names.map(async (name) => {
      const publicKey = createPublicKey(await readFile(join(dir, name), 'utf8'));
      const service = name.slice(0, -'.pub.pem'.length);
      return {
        keyId: keyIdOf(publicKey),
        service,
        publicKey: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
        role: roleOf(service),
      };
    }),
  );
  return { version: 1, keys };
}
