import { randomBytes, randomUUID } from 'node:crypto';
import { createSealer, deriveKey } from '@idp/events';

/** HKDF purpose of the wrapping key derived from `PERSONAL_DATA_MASTER_KEY`. */
export const PERSON_KEY_WRAP_PURPOSE = 'idp accounts person-key wrap v1';

/** Wraps and unwraps person keys under the master key; a wrapped key opens only for its account and key id. */
export interface PersonKeyWrapper {
  wrap(key: Buffer, accountId: string, keyId: string): string;
  /** Throws when the wrapped key was altered, moved to another account, or wrapped under another master key. */
  unwrap(wrapped: string, accountId: string, keyId: string): Buffer;
}

const context = (accountId: string, keyId: string) => JSON.stringify(['person-key-1', accountId, keyId]);

/** AES-256-GCM (the shared sealer) under a key derived from the configured master secret. */
export function createPersonKeyWrapper(masterSecret: string): PersonKeyWrapper {
  const sealer = createSealer(deriveKey(masterSecret, PERSON_KEY_WRAP_PURPOSE));
  return {
    wrap: (key, accountId, keyId) => sealer.seal(key.toString('base64url'), context(accountId, keyId)),
    unwrap: (wrapped, accountId, keyId) => {
      const key = Buffer.from(sealer.open(wrapped, context(accountId, keyId)), 'base64url');
      if (key.length !== 32) throw new Error('a person key must be 32 bytes');
      return key;
    },
  };
}

/** A fresh person key: 32 random bytes and a random id (the id says nothing about the person). */
export const newPersonKey = (): { keyId: string; key: Buffer } => ({
  keyId: randomUUID(),
  key: randomBytes(32),
});
