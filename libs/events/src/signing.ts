import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  sign,
  verify,
  type KeyObject,
} from 'node:crypto';

/** NATS headers that carry a stored message's Ed25519 signature and the id of the key that made it. */
export const SIGNATURE_HEADER = {
  /** Base64 Ed25519 signature over the exact body bytes as published. */
  signature: 'Idp-Signature',
  /** {@link keyIdOf} the signing key: which public key of the trust file checks it. */
  keyId: 'Idp-Signature-Key',
} as const;

/**
 * Signs what a process publishes to JetStream. Each service has its own key (its replicas share it),
 * so a verifier holding only the public keys can tell who wrote every stored message.
 */
export interface EventSigner {
  /** {@link keyIdOf} the public key. */
  readonly keyId: string;
  /** Base64 Ed25519 signature over `bytes`. */
  sign(bytes: Uint8Array): string;
}

const spkiDer = (key: KeyObject): Buffer => key.export({ type: 'spki', format: 'der' });

/** Hex of the first 16 bytes of SHA-256 over the SPKI DER public key: short, stable, and key-derived. */
export function keyIdOf(publicKey: KeyObject | string): string {
  const key = typeof publicKey === 'string' ? createPublicKey(publicKey) : publicKey;
  return createHash('sha256').update(spkiDer(key)).digest().subarray(0, 16).toString('hex');
}

/** A signer over an Ed25519 private key (a KeyObject or PKCS#8 PEM). */
export function createEventSigner(privateKey: KeyObject | string): EventSigner {
  const key = typeof privateKey === 'string' ? createPrivateKey(privateKey) : privateKey;
  if (key.type !== 'private' || key.asymmetricKeyType !== 'ed25519')
    throw new Error(`an event signing key must be an Ed25519 private key (got ${key.asymmetricKeyType})`);
  const keyId = keyIdOf(createPublicKey(key));
  return {
    keyId,
    // Ed25519 takes no digest algorithm: null is how node:crypto says "the scheme's own".
    sign: (bytes) => sign(null, bytes, key).toString('base64'),
  };
}

/** True when `signature` (base64) is `publicKey`'s Ed25519 signature over `bytes`. */
export function verifySignature(publicKey: KeyObject, bytes: Uint8Array, signature: string): boolean {
  const sig = Buffer.from(signature, 'base64');
  if (sig.length !== 64) return false;
  try {
    return verify(null, bytes, publicKey, sig);
  } catch {
    return false;
  }
}

/** A fresh Ed25519 key pair as PEM (PKCS#8 private, SPKI public). */
export function generateSigningKeyPair(): { privateKeyPem: string; publicKeyPem: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519', {
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
  return { privateKeyPem: privateKey, publicKeyPem: publicKey };
}

/** A signer with a throw-away key, for tests; `publicKeyPem` goes into the test's trust file. */
export function createTestSigner(): EventSigner & { publicKeyPem: string } {
  const pair = generateSigningKeyPair();
  return Object.assign(createEventSigner(pair.privateKeyPem), { publicKeyPem: pair.publicKeyPem });
}
