import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

/**
 * Derives a 256-bit key for one purpose from a configured secret (HKDF-SHA256), so one secret can
 * key several uses without any two sharing a key.
 */
export function deriveKey(secret: string, purpose: string): Buffer {
  return Buffer.from(hkdfSync('sha256', Buffer.from(secret, 'utf8'), Buffer.alloc(0), purpose, 32));
}

/** Authenticated encryption for job payloads that must not sit in a stream or an outbox row in clear. */
export interface Sealer {
  /** `context` is bound as associated data: a sealed value only opens for the same context. */
  seal(plaintext: string, context: string): string;
  /** Throws when the value was altered, sealed for another context, or with another key. */
  open(sealed: string, context: string): string;
}

const VERSION = 1;
const IV_BYTES = 12;
const TAG_BYTES = 16;

/**
 * AES-256-GCM with a random 96-bit IV per value: `base64url(version | iv | tag | ciphertext)`. The
 * producer and the worker of a job share the key (e.g. `MAIL_SEAL_KEY` in accounts and activation);
 * otp-sender seals its SMS jobs with it too.
 */
export function createSealer(key: Buffer): Sealer {
  if (key.length !== 32) throw new Error('the seal key must be 32 bytes');
  return {
    seal(plaintext, context) {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      cipher.setAAD(Buffer.from(context, 'utf8'));
      const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      return Buffer.concat([Buffer.from([VERSION]), iv, cipher.getAuthTag(), body]).toString('base64url');
    },
    open(sealed, context) {
      const raw = Buffer.from(sealed, 'base64url');
      if (raw.length < 1 + IV_BYTES + TAG_BYTES || raw[0] !== VERSION) throw new Error('not a sealed value');
      const iv = raw.subarray(1, 1 + IV_BYTES);
      const tag = raw.subarray(1 + IV_BYTES, 1 + IV_BYTES + TAG_BYTES);
      const decipher = createDecipheriv('aes-256-gcm', key, iv);
      decipher.setAAD(Buffer.from(context, 'utf8'));
      decipher.setAuthTag(tag);
      return Buffer.concat([
        decipher.update(raw.subarray(1 + IV_BYTES + TAG_BYTES)),
        decipher.final(),
      ]).toString('utf8');
    },
  };
}
