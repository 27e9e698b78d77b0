// @peculiar/x509 resolves its ASN.1 schemas through tsyringe, which needs this polyfill loaded first.
import 'reflect-metadata';
import { webcrypto, createPrivateKey, type KeyObject } from 'node:crypto';
import * as x509 from '@peculiar/x509';

// @peculiar/x509 is typed against the DOM's Crypto; Node's webcrypto implements it.
x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

export interface TestCertificate {
  certPem: string;
  /** The base64 DER body, as it appears in a metadata X509Certificate element. */
  certBase64: string;
  keyPem: string;
  privateKey: KeyObject;
}

/**
 * A fresh RSA key and self-signed certificate for a test. Made at run time so no private key is
 * ever committed; `notAfter` in the past makes an expired certificate for negative tests.
 */
export async function selfSignedCertificate(
  o: { commonName?: string; notBefore?: Date; notAfter?: Date } = {},
): Promise<TestCertificate> {
  const alg = {
    name: 'RSASSA-PKCS1-v1_5',
    hash: 'SHA-256',
    publicExponent: new Uint8Array([1, 0, 1]),
    modulusLength: 2048,
  };
  const keys = await webcrypto.subtle.generateKey(alg, true, ['sign', 'verify']);
  const notBefore = o.notBefore ?? new Date(Date.now() - 60_000);
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: Date.now().toString(16),
    name: `CN=${o.commonName ?? 'test'}`,
    notBefore,
    notAfter: o.notAfter ?? new Date(notBefore.getTime() + 365 * 24 * 3600_000),
    keys: keys as unknown as Parameters<typeof x509.X509CertificateGenerator.createSelfSigned>[0]['keys'],
    signingAlgorithm: alg,
  });
  const pkcs8 = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey));
  const keyPem = `-----BEGIN PRIVATE KEY-----\n${pkcs8
    .toString('base64')
    .match(/.{1,64}/g)!
    .join('\n')}\n-----END PRIVATE KEY-----\n`;
  const certPem = cert.toString('pem');
  return { certPem, certBase64: cert.toString('base64'), keyPem, privateKey: createPrivateKey(keyPem) };
}
