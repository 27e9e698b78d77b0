import { X509Certificate, type KeyObject } from 'node:crypto';
import type { RegisteredSp } from './types.js';

const STRONG_CURVES = new Set(['prime256v1', 'secp384r1', 'secp521r1']);
const MIN_RSA_BITS = 2048;

// Parsing a certificate costs more than the RSA verification it enables; the registry hands us the
// same strings on every request, so the keys are cached by certificate text (bounded: an SP registry
// is small, and a reload that changes certificates just adds entries until the next clear).
const cache = new Map<string, KeyObject | null>();
const CACHE_LIMIT = 1024;

function toPem(cert: string): string {
  if (cert.includes('-----BEGIN')) return cert;
  const body = cert.replace(/\s+/g, '');
  return `-----BEGIN CERTIFICATE-----\n${body.match(/.{1,64}/g)?.join('\n') ?? ''}\n-----END CERTIFICATE-----\n`;
}

/** A key weaker than this policy is treated as absent, so a request it signed can never verify. */
function usableKey(cert: string): KeyObject | null {
  try {
    const key = new X509Certificate(toPem(cert)).publicKey;
    const d = key.asymmetricKeyDetails;
    if (key.asymmetricKeyType === 'rsa' && (d?.modulusLength ?? 0) >= MIN_RSA_BITS) return key;
    if (key.asymmetricKeyType === 'ec' && STRONG_CURVES.has(d?.namedCurve ?? '')) return key;
    return null;
  } catch {
    return null;
  }
}

/**
 * The public keys a request from this SP may be signed with: its registered signing certificates,
 * and nothing a message carries (KeyInfo is never read).
 */
export function spVerificationKeys(sp: RegisteredSp): KeyObject[] {
  const keys: KeyObject[] = [];
  for (const cert of sp.signingCertificates) {
    let key = cache.get(cert);
    if (key === undefined) {
      if (cache.size >= CACHE_LIMIT) cache.clear();
      key = usableKey(cert);
      cache.set(cert, key);
    }
    if (key) keys.push(key);
  }
  return keys;
}
