// @peculiar/x509 resolves its ASN.1 schemas through tsyringe, which needs this polyfill loaded first.
import 'reflect-metadata';
import { KeyObject, webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

// @peculiar/x509 is typed against the DOM's Crypto; Node's webcrypto implements it.
x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

export interface SelfSignedCertificate {
  certPem: string;
  /** Base64 DER, as metadata and KeyInfo carry it. */
  certBase64: string;
  keyPem: string;
  privateKey: KeyObject;
  keyType: 'rsa' | 'ec';
}

export interface SelfSignedOptions {
  commonName: string;
  keyType?: 'rsa' | 'ec';
  /** RSA modulus size (default 2048). */
  rsaBits?: number;
  notBefore?: Date;
  notAfter?: Date;
}

/**
 * A fresh key pair and self-signed certificate. Made at run time (development signing keys, test
 * keys) so no private key is ever committed; a `notAfter` in the past makes an expired one.
 */
export async function createSelfSignedCertificate(o: SelfSignedOptions): Promise<SelfSignedCertificate> {
  const keyType = o.keyType ?? 'rsa';
  const alg =
    keyType === 'ec'
      ? { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' }
      : {
          name: 'RSASSA-PKCS1-v1_5',
          hash: 'SHA-256',
          publicExponent: new Uint8Array([1, 0, 1]),
          modulusLength: o.rsaBits ?? 2048,
        };
  const keys = await webcrypto.subtle.generateKey(alg, true, ['sign', 'verify']);
  const notBefore = o.notBefore ?? new Date(Date.now() - 3600_000);
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: webcrypto
      .getRandomValues(new Uint8Array(8))
      .reduce((s, b) => s + b.toString(16).padStart(2, '0'), '1'),
    name: `CN=${o.commonName}`,
    notBefore,
    notAfter: o.notAfter ?? new Date(notBefore.getTime() + 365 * 86_400_000),
    keys: keys as unknown as Parameters<typeof x509.X509CertificateGenerator.createSelfSigned>[0]['keys'],
    signingAlgorithm: alg,
  });
  const privateKey = KeyObject.from(keys.privateKey);
  return {
    certPem: cert.toString('pem'),
    certBase64: cert.toString('base64'),
    keyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
    privateKey,
    keyType,
  };
}
