// @peculiar/x509 resolves its ASN.1 schemas through tsyringe, which needs this polyfill loaded first.
import 'reflect-metadata';
import { X509Certificate, webcrypto } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import * as x509 from '@peculiar/x509';
import type { CertificateRefusal } from '../../domain/request.js';

// @peculiar/x509 is typed against the DOM's Crypto; Node's webcrypto implements it.
x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

/**
 * Where the citizen's tax number is read: the subject's `serialNumber` attribute (OID 2.5.4.5)
 * with the ETSI EN 319 412-1 §5.1.3 natural-person semantics identifier `TIN` + country `SI`,
 * i.e. `TINSI-12345678`. A bare serialNumber is not accepted: CAs also use that attribute for
 * their own unique ids, which must never be mistaken for a tax number.
 */
export const SUBJECT_SERIAL_NUMBER_OID = '2.5.4.5';
/** The subject's given name and surname (X.520 `givenName`, `surname`), as qualified certificates carry them. */
export const SUBJECT_GIVEN_NAME_OID = '2.5.4.42';
export const SUBJECT_SURNAME_OID = '2.5.4.4';
const TAX_NUMBER_IN_SUBJECT = /^TINSI-([1-9]\d{7})$/;
const CLIENT_AUTH_EKU = '1.3.6.1.5.5.7.3.2';
const MAX_CHAIN = 6;

/** The CAs a client certificate must chain to, and the CRLs that revoke certificates they issued. */
export interface TrustAnchors {
  roots: X509Certificate[];
  crls: x509.X509Crl[];
  /** Refuse a certificate whose issuer has no current CRL here (fail closed; production). */
  requireCrl: boolean;
  /** Files that could not be read or parsed, for the log. */
  problems: string[];
}

export type CertificateCheck =
  | {
      ok: true;
      issuer: string;
      serialNumber: string;
      taxNumber: string;
      /** The subject's names when it carries them (identity corrections compare them). */
      givenName?: string;
      surname?: string;
    }
  | { ok: false; reason: CertificateRefusal; detail: string };

const refuse = (reason: CertificateRefusal, detail: string): CertificateCheck => ({
  ok: false,
  reason,
  detail,
});

/**
 * Reads the trusted CA certificates (PEM files, several certificates each) and CRLs (PEM or DER).
 * A missing or unreadable file is reported in `problems`, not thrown: with no CA at all every
 * certificate is refused as untrusted, which is the right answer for a machine without one.
 */
export async function loadTrustAnchors(o: {
  caFiles: readonly string[];
  crlFiles: readonly string[];
  requireCrl: boolean;
}): Promise<TrustAnchors> {
  const trust: TrustAnchors = { roots: [], crls: [], requireCrl: o.requireCrl, problems: [] };
  for (const file of o.caFiles) {
    try {
      const pem = await readFile(file, 'utf8');
      const ders = x509.PemConverter.decode(pem);
      if (ders.length === 0) throw new Error('no PEM certificate in it');
      for (const der of ders) trust.roots.push(new X509Certificate(Buffer.from(der)));
    } catch (err) {
      trust.problems.push(`${file}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  for (const file of o.crlFiles) {
    try {
      const bytes = await readFile(file);
      const text = bytes.toString('latin1');
      if (text.includes('-----BEGIN')) {
        for (const der of x509.PemConverter.decode(text)) trust.crls.push(new x509.X509Crl(der));
      } else {
        trust.crls.push(new x509.X509Crl(bytes));
      }
    } catch (err) {
      trust.problems.push(`${file}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  return trust;
}

function parse(pem: string): X509Certificate | undefined {
  try {
    return new X509Certificate(pem);
  } catch {
    return undefined;
  }
}

const issues = (issuer: X509Certificate, cert: X509Certificate) =>
  issuer.ca && cert.checkIssued(issuer) && cert.verify(issuer.publicKey);

/** The leaf, intermediates from `chain`, and the trusted root that ends the path; undefined if none. */
function buildPath(leaf: X509Certificate, chain: X509Certificate[], roots: X509Certificate[]) {
  const path = [leaf];
  for (let cert = leaf; path.length <= MAX_CHAIN;) {
    const root = roots.find((r) => issues(r, cert));
    if (root) return [...path, root];
    const next = chain.find((c) => !path.includes(c) && issues(c, cert));
    if (!next) return undefined;
    path.push(next);
    cert = next;
  }
  return undefined;
}

async function revocation(
  cert: X509Certificate,
  issuer: X509Certificate,
  trust: TrustAnchors,
  now: Date,
): Promise<'revoked' | 'good' | 'unknown'> {
  const issuerCert = new x509.X509Certificate(issuer.raw);
  const issuerName = issuerCert.subjectName.toString();
  let current = false;
  for (const crl of trust.crls) {
    if (crl.issuerName.toString() !== issuerName) continue;
    if (!(await crl.verify({ publicKey: issuerCert }))) continue;
    if (crl.thisUpdate > now || (crl.nextUpdate && crl.nextUpdate < now)) continue;
    current = true;
    const entry = crl.findRevoked(new x509.X509Certificate(cert.raw));
    if (entry && entry.revocationDate <= now) return 'revoked';
  }
  return current ? 'good' : 'unknown';
}

/**
 * Checks a client certificate for path `certificate`: it chains to a trusted CA (signatures with
 * node:crypto), every certificate on the path is valid at `now`, none is revoked by a current CRL
 * of its issuer (@peculiar/x509 parses and verifies the CRL), and the subject's tax number is
 * `expectedTaxNumber`. The first failed check decides the reason. An accepted certificate also
 * gives the subject's given name and surname, when it has one of each.
 */
export async function checkClientCertificate(
  input: { certificatePem: string; chainPem: readonly string[] },
  trust: TrustAnchors,
  now: Date,
  expectedTaxNumber: string,
): Promise<CertificateCheck> {
  const leaf = parse(input.certificatePem);
  const chain = input.chainPem.map(parse);
  if (!leaf || chain.some((c) => c === undefined)) return refuse('malformed', 'not a PEM X.509 certificate');
  if (trust.roots.length === 0) return refuse('untrusted', 'no trusted CA is configured');
  if (leaf.ca) return refuse('untrusted', 'a CA certificate is not a client certificate');
  const path = buildPath(leaf, chain as X509Certificate[], trust.roots);
  if (!path) return refuse('untrusted', 'does not chain to a trusted CA');
  const usages = leaf.keyUsage;
  if (usages && !usages.includes(CLIENT_AUTH_EKU))
    return refuse('untrusted', 'not for client authentication');

  for (const [i, cert] of path.entries()) {
    const c = new x509.X509Certificate(cert.raw);
    if (now < c.notBefore)
      return i === 0
        ? refuse('not_yet_valid', 'not valid yet')
        : refuse('untrusted', `CA ${i} not valid yet`);
    if (now > c.notAfter)
      return i === 0 ? refuse('expired', 'expired') : refuse('untrusted', `CA ${i} expired`);
  }
  for (let i = 0; i < path.length - 1; i++) {
    const status = await revocation(path[i]!, path[i + 1]!, trust, now);
    if (status === 'revoked') return refuse('revoked', i === 0 ? 'revoked' : `CA ${i} revoked`);
    if (status === 'unknown' && trust.requireCrl)
      return refuse('untrusted', `no current CRL for the issuer of certificate ${i}`);
  }

  const peculiar = new x509.X509Certificate(leaf.raw);
  const taxNumbers = peculiar.subjectName
    .getField(SUBJECT_SERIAL_NUMBER_OID)
    .map((v) => TAX_NUMBER_IN_SUBJECT.exec(v)?.[1])
    .filter((v): v is string => v !== undefined);
  if (taxNumbers.length !== 1) return refuse('subject_mismatch', 'no TINSI tax number in the subject');
  if (taxNumbers[0] !== expectedTaxNumber)
    return refuse('subject_mismatch', 'tax number differs from the account');
  const one = (oid: string) => {
    const values = peculiar.subjectName.getField(oid);
    // Several values of one name attribute are not a name anyone can compare with.
    return values.length === 1 ? { value: values[0]! } : undefined;
  };
  const givenName = one(SUBJECT_GIVEN_NAME_OID);
  const surname = one(SUBJECT_SURNAME_OID);
  return {
    ok: true,
    issuer: peculiar.issuerName.toString(),
    serialNumber: leaf.serialNumber,
    taxNumber: taxNumbers[0],
    ...(givenName ? { givenName: givenName.value } : {}),
    ...(surname ? { surname: surname.value } : {}),
  };
}
