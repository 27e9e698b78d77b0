import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Logger } from '@idp/observability';

/** Seals short secrets (TOTP seeds) at rest: AES-256-GCM, a fresh 96-bit nonce per value. */
export interface SecretBox {
  seal(plaintext: string, context: string): string;
  /** Throws when the value was altered, sealed under another key, or for another context. */
  open(sealed: string, context: string): string;
}

const VERSION = 'v1';

/**
 * `context` (the officer id) is authenticated data: a sealed seed copied onto another officer's
 * row does not open there.
 */
export function createSecretBox(key: Buffer): SecretBox {
  if (key.length !== 32) throw new Error('the TOTP encryption key must be 32 bytes');
  return {
    seal(plaintext, context) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      cipher.setAAD(Buffer.from(context, 'utf8'));
      const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      const tag = cipher.getAuthTag();
      return [
        VERSION,
        iv.toString('base64url'),
        ciphertext.toString('base64url'),
        tag.toString('base64url'),
      ].join('.');
    },
    open(sealed, context) {
      const [version, iv, ciphertext, tag] = sealed.split('.');
      if (version !== VERSION || !iv || !ciphertext || !tag) throw new Error('not a sealed value');
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
      decipher.setAAD(Buffer.from(context, 'utf8'));
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      return Buffer.concat([
        decipher.update(Buffer.from(ciphertext, 'base64url')),
        decipher.final(),
      ]).toString('utf8');
    },
  };
}

const parseKey = (text: string, where: string): Buffer => {
  const key = Buffer.from(text.trim(), 'base64');
  if (key.length !== 32) throw new Error(`${where}: expected 32 bytes in base64 (openssl rand -base64 32)`);
  return key;
};

/**
 * The key from `RA_TOTP_KEY` (base64), else from its file. Outside production a missing file is
 * created with a random key, like the gateway's development signing key: `make up` just works, and
 * a production deployment without a key refuses to start instead of inventing one.
 */
export async function loadTotpKey(o: {
  key?: string | undefined;
  file: string;
  generateIfMissing: boolean;
  log: Logger;
}): Promise<Buffer> {
  if (o.key) return parseKey(o.key, 'RA_TOTP_KEY');
  try {
    return parseKey(await readFile(o.file, 'utf8'), o.file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT' || !o.generateIfMissing) throw err;
  }
  await mkdir(dirname(o.file), { recursive: true });
  try {
    // 'wx': when two instances start together, one writes and the other reads what it wrote.
    await writeFile(o.file, `${randomBytes(32).toString('base64')}\n`, { flag: 'wx', mode: 0o600 });
    o.log.warn({ file: o.file }, 'generated a development TOTP encryption key');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  return parseKey(await readFile(o.file, 'utf8'), o.file);
}
