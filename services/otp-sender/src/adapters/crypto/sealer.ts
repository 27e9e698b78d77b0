import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import type { Sealer } from '../../ports.js';

/**
 * Derives a 256-bit key for one purpose from a configured secret (HKDF-SHA256). One secret can then
 * key the code HMAC, the SMS seal and the rate-limit digests without any two sharing a key.
 */
export function deriveKey(secret: string, purpose: string): Buffer {
  return Buffer.from(hkdfSync('sha256', Buffer.from(secret, 'utf8'), Buffer.alloc(0), purpose, 32));
}

const VERSION = 1;
const IV_BYTES = 12;
const TAG_BYTES = 16;

/**
 * AES-256-GCM with a random 96-bit IV per value: `base64url(version | iv | tag | ciphertext)`.
 * The context (e.g. the challenge id) is authenticated, so a sealed SMS cannot be replayed into
 * another challenge's job.
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
