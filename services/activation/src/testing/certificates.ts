// Test-only PKI made at run time: a CA, client certificates and CRLs, never fixtures from elsewhere.
import 'reflect-metadata';
import { webcrypto, type webcrypto as WebCrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

const ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
const DAY = 86_400_000;
let serial = 0x1000;
const nextSerial = () => (serial++).toString(16).padStart(6, '0');

export interface TestCa {
  cert: x509.X509Certificate;
  pem: string;
  keys: KeyPair;
}

type KeyPair = WebCrypto.CryptoKeyPair;
const newKeys = async (): Promise<KeyPair> =>
  (await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify'])) as KeyPair;

/** A CA certificate, self-signed or issued by `parent` (an intermediate). */
export async function createCa(o: {
  name: string;
  parent?: TestCa;
  notBefore?: Date;
  notAfter?: Date;
}): Promise<TestCa> {
  const keys = await newKeys();
  const notBefore = o.notBefore ?? new Date(Date.now() - 365 * DAY);
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: nextSerial(),
    subject: `CN=${o.name}, O=Test PKI, C=SI`,
    issuer: o.parent ? o.parent.cert.subject : `CN=${o.name}, O=Test PKI, C=SI`,
    notBefore,
    notAfter: o.notAfter ?? new Date(notBefore.getTime() + 20 * 365 * DAY),
    publicKey: keys.publicKey,
    signingKey: (o.parent?.keys ?? keys).privateKey,
    signingAlgorithm: ALG,
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
    ],
  });
  return { cert, pem: cert.toString('pem'), keys };
}

/**
 * A client certificate issued by `ca`; `taxNumber` goes into the subject as `serialNumber=TINSI-…`,
 * `givenName` and `surname` as those attributes.
 */
export async function createClientCertificate(
  ca: TestCa,
  o: {
    commonName?: string;
    taxNumber?: string;
    /** Subject `givenName` (2.5.4.42) and `surname` (2.5.4.4), as qualified certificates name people. */
    givenName?: string;
    surname?: string;
    serialSubject?: string;
    notBefore?: Date;
    notAfter?: Date;
    eku?: string[];
  } = {},
): Promise<{ pem: string; serialNumber: string }> {
  const keys = await newKeys();
  const notBefore = o.notBefore ?? new Date(Date.now() - DAY);
  const serialNumber = nextSerial();
  const name: x509.JsonName = [{ CN: [o.commonName ?? 'Ana Novak'] }, { C: ['SI'] }];
  const subjectSerial = o.serialSubject ?? (o.taxNumber ? `TINSI-${o.taxNumber}` : undefined);
  if (subjectSerial) name.push({ '2.5.4.5': [subjectSerial] });
  if (o.givenName) name.push({ '2.5.4.42': [o.givenName] });
  if (o.surname) name.push({ '2.5.4.4': [o.surname] });
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber,
    subject: name,
    issuer: ca.cert.subject,
    notBefore,
    notAfter: o.notAfter ?? new Date(notBefore.getTime() + 365 * DAY),
    publicKey: keys.publicKey,
    signingKey: ca.keys.privateKey,
    signingAlgorithm: ALG,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension(o.eku ?? [x509.ExtendedKeyUsage.clientAuth]),
    ],
  });
  return { pem: cert.toString('pem'), serialNumber };
}

/** A CRL of `ca` revoking the given serial numbers (hex). */
export async function createCrl(
  ca: TestCa,
  o: { revoked?: string[]; thisUpdate?: Date; nextUpdate?: Date } = {},
): Promise<{ pem: string; der: Buffer }> {
  const thisUpdate = o.thisUpdate ?? new Date(Date.now() - DAY);
  const crl = await x509.X509CrlGenerator.create({
    issuer: ca.cert.subject,
    thisUpdate,
    nextUpdate: o.nextUpdate ?? new Date(thisUpdate.getTime() + 30 * DAY),
    entries: (o.revoked ?? []).map((serialNumber) => ({ serialNumber, revocationDate: thisUpdate })),
    signingKey: ca.keys.privateKey,
    signingAlgorithm: ALG,
  });
  return { pem: crl.toString('pem'), der: Buffer.from(crl.rawData) };
}
