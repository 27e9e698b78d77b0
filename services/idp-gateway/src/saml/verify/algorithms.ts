import { createHash, verify, type KeyObject } from 'node:crypto';

interface SignatureAlgorithmSpec {
  hash: 'sha256' | 'sha384' | 'sha512';
  keyType: 'rsa' | 'ec';
}

/**
 * The only SignatureMethod / SigAlg URIs accepted. SHA-1 (collisions) and HMAC (a "key" that is
 * public — the key-confusion attack) are left out on purpose, as is everything unknown.
 */
export const SIGNATURE_ALGORITHMS: Readonly<Record<string, SignatureAlgorithmSpec>> = {
  'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256': { hash: 'sha256', keyType: 'rsa' },
  'http://www.w3.org/2001/04/xmldsig-more#rsa-sha384': { hash: 'sha384', keyType: 'rsa' },
  'http://www.w3.org/2001/04/xmldsig-more#rsa-sha512': { hash: 'sha512', keyType: 'rsa' },
  'http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256': { hash: 'sha256', keyType: 'ec' },
  'http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha384': { hash: 'sha384', keyType: 'ec' },
  'http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha512': { hash: 'sha512', keyType: 'ec' },
};

export const DIGEST_ALGORITHMS: Readonly<Record<string, 'sha256' | 'sha384' | 'sha512'>> = {
  'http://www.w3.org/2001/04/xmlenc#sha256': 'sha256',
  'http://www.w3.org/2001/04/xmldsig-more#sha384': 'sha384',
  'http://www.w3.org/2001/04/xmlenc#sha512': 'sha512',
};

export const EXC_C14N = 'http://www.w3.org/2001/10/xml-exc-c14n#';
export const ENVELOPED_SIGNATURE = 'http://www.w3.org/2000/09/xmldsig#enveloped-signature';

export const isAllowedSignatureAlgorithm = (uri: string): boolean => Object.hasOwn(SIGNATURE_ALGORITHMS, uri);
export const isAllowedDigestAlgorithm = (uri: string): boolean => Object.hasOwn(DIGEST_ALGORITHMS, uri);

/**
 * Verifies with an allow-listed algorithm. The key's type must match the algorithm's, so an "RSA"
 * signature is never checked as ECDSA or the other way round. ECDSA values are r||s as XML-DSig
 * (RFC 4051) encodes them, in both bindings.
 */
export function verifyRaw(
  algorithm: string,
  data: Buffer | string,
  key: KeyObject,
  signature: Buffer,
): boolean {
  const spec = SIGNATURE_ALGORITHMS[algorithm];
  if (!spec || key.asymmetricKeyType !== spec.keyType) return false;
  try {
    return verify(
      spec.hash,
      typeof data === 'string' ? Buffer.from(data, 'utf8') : data,
      spec.keyType === 'ec' ? { key, dsaEncoding: 'ieee-p1363' } : key,
      signature,
    );
  } catch {
    return false;
  }
}

export const digestBase64 = (algorithm: string, data: string): string => {
  const hash = DIGEST_ALGORITHMS[algorithm];
  if (!hash) throw new Error('digest algorithm not allowed');
  return createHash(hash).update(data, 'utf8').digest('base64');
};
