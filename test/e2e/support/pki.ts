// A test PKI made at run time for client-certificate tests: CAs, client certificates with their
// keys (a TLS client needs the key), and CRLs. Nothing is read from fixtures.
import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

const ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
const DAY = 86_400_000;
let serial = 0x2000;
const nextSerial = () => (serial++).toString(16).padStart(6, '0');

type KeyPair = webcrypto.CryptoKeyPair;
const newKeys = async (): Promise<KeyPair> =>
  (await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify'])) as KeyPair;

export interface TestCa {
  cert: x509.X509Certificate;
  pem: string;
  keys: KeyPair;
}

export interface ClientCertificate {
  pem: string;
  keyPem: string;
  serialNumber: string;
}

/** A self-signed CA certificate. */
export async function createCa(name: string): Promise<TestCa> {
  const keys = await newKeys();
  const notBefore = new Date(Date.now() - 365 * DAY);
  const subject = `CN=${name}, O=Test PKI, C=SI`;
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: nextSerial(),
    subject,
    issuer: subject,
    notBefore,
    notAfter: new Date(notBefore.getTime() + 20 * 365 * DAY),
    publicKey: keys.publicKey,
    signingKey: keys.privateKey,
    signingAlgorithm: ALG,
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
    ],
  });
  return { cert, pem: cert.toString('pem'), keys };
}

/**
 * A client-authentication certificate of `ca` whose subject carries `serialNumber=TINSI-<taxNumber>`
 * and, when given, the person's `givenName` and `surname` attributes (as qualified certificates do).
 */
export async function createClientCertificate(
  ca: TestCa,
  o: {
    commonName: string;
    taxNumber: string;
    givenName?: string;
    surname?: string;
    notBefore?: Date;
    notAfter?: Date;
  },
): Promise<ClientCertificate> {
  const keys = await newKeys();
  const notBefore = o.notBefore ?? new Date(Date.now() - DAY);
  const serialNumber = nextSerial();
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber,
    subject: [
      { CN: [o.commonName] },
      { C: ['SI'] },
      { '2.5.4.5': [`TINSI-${o.taxNumber}`] },
      ...(o.givenName ? [{ '2.5.4.42': [o.givenName] }] : []),
      ...(o.surname ? [{ '2.5.4.4': [o.surname] }] : []),
    ],
    issuer: ca.cert.subject,
    notBefore,
    notAfter: o.notAfter ?? new Date(notBefore.getTime() + 365 * DAY),
    publicKey: keys.publicKey,
    signingKey: ca.keys.privateKey,
    signingAlgorithm: ALG,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.clientAuth]),
    ],
  });
  const pkcs8 = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey)).toString('base64');
  const keyPem = `-----BEGIN PRIVATE KEY-----\n${pkcs8.replace(/(.{64})/g, '$1\n')}\n-----END PRIVATE KEY-----\n`;
  return { pem: cert.toString('pem'), keyPem, serialNumber };
}

/** A current CRL of `ca` revoking the given serial numbers (hex). */
export async function createCrl(ca: TestCa, revoked: string[] = []): Promise<string> {
  const thisUpdate = new Date(Date.now() - DAY);
  const crl = await x509.X509CrlGenerator.create({
    issuer: ca.cert.subject,
    thisUpdate,
    nextUpdate: new Date(thisUpdate.getTime() + 30 * DAY),
    entries: revoked.map((serialNumber) => ({ serialNumber, revocationDate: thisUpdate })),
    signingKey: ca.keys.privateKey,
    signingAlgorithm: ALG,
  });
  return crl.toString('pem');
}
