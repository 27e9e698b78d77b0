// Test-only: builds, signs and encodes SAML requests the way an SP would, and the variants attacks
// need. Keys are made at run time, so no private key is ever committed.
import { createHmac, sign, type KeyObject } from 'node:crypto';
import { deflateRawSync } from 'node:zlib';
import { createSelfSignedCertificate } from '@idp/x509';
import { SignedXml, type SignatureAlgorithm } from 'xml-crypto';
import { DomainError } from '@idp/events';
import type { RegisteredSp, VerifyContext } from '../types.js';

export type { RegisteredSp, VerifyContext } from '../types.js';

export const ALG = {
  rsaSha1: 'http://www.w3.org/2000/09/xmldsig#rsa-sha1',
  rsaSha256: 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256',
  rsaSha384: 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha384',
  rsaSha512: 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha512',
  ecdsaSha256: 'http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256',
  hmacSha1: 'http://www.w3.org/2000/09/xmldsig#hmac-sha1',
  sha1: 'http://www.w3.org/2000/09/xmldsig#sha1',
  sha256: 'http://www.w3.org/2001/04/xmlenc#sha256',
  sha512: 'http://www.w3.org/2001/04/xmlenc#sha512',
  excC14n: 'http://www.w3.org/2001/10/xml-exc-c14n#',
  excC14nWithComments: 'http://www.w3.org/2001/10/xml-exc-c14n#WithComments',
  c14n: 'http://www.w3.org/TR/2001/REC-xml-c14n-20010315',
  enveloped: 'http://www.w3.org/2000/09/xmldsig#enveloped-signature',
} as const;

export const BINDING_URI = {
  post: 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST',
  redirect: 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect',
  artifact: 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Artifact',
} as const;

export interface TestKeyPair {
  certPem: string;
  /** Base64 DER, as a metadata X509Certificate element carries it. */
  certBase64: string;
  keyPem: string;
  privateKey: KeyObject;
  keyType: 'rsa' | 'ec';
}

/** A fresh key and self-signed certificate (RSA 2048 by default; EC P-256; or a weak RSA size). */
export function testKeyPair(
  o: { keyType?: 'rsa' | 'ec'; rsaBits?: number; cn?: string } = {},
): Promise<TestKeyPair> {
  return createSelfSignedCertificate({
    commonName: o.cn ?? 'test-only sp',
    ...(o.keyType ? { keyType: o.keyType } : {}),
    ...(o.rsaBits ? { rsaBits: o.rsaBits } : {}),
  });
}

// Signing-side algorithms xml-crypto lacks (ECDSA, RSA-SHA384), so tests can produce them.
const HASH_OF: Record<string, string> = {
  [ALG.rsaSha384]: 'sha384',
  [ALG.ecdsaSha256]: 'sha256',
};
function extraSigner(uri: string): new () => SignatureAlgorithm {
  return class {
    getAlgorithmName = () => uri;
    getSignature(signedInfo: string, key: KeyObject): string {
      const ec = uri.includes('ecdsa');
      return sign(
        HASH_OF[uri]!,
        Buffer.from(signedInfo),
        ec ? { key, dsaEncoding: 'ieee-p1363' } : key,
      ).toString('base64');
    }
    verifySignature(): boolean {
      throw new Error('signing only');
    }
  } as unknown as new () => SignatureAlgorithm;
}

export interface SignOptions {
  key: TestKeyPair;
  signatureAlgorithm?: string;
  digestAlgorithm?: string;
  canonicalizationAlgorithm?: string;
  transforms?: string[];
  /** XPath of the element the Reference points at (default: the root). */
  referenceXPath?: string;
  /** Where the Signature goes (default: right after the root's Issuer, where the schema wants it). */
  location?: { reference: string; action: 'append' | 'prepend' | 'before' | 'after' };
  /** Certificate to put in KeyInfo (an attacker's); none by default. */
  keyInfoCertPem?: string;
  /** HMAC secret instead of the key pair. */
  hmacKey?: string;
}

/** Signs an element of `xml` with xml-crypto, the way SAML libraries do (enveloped, exclusive c14n). */
export function signXml(xml: string, o: SignOptions): string {
  const signatureAlgorithm = o.signatureAlgorithm ?? ALG.rsaSha256;
  const sig = new SignedXml({
    privateKey: o.hmacKey !== undefined ? Buffer.from(o.hmacKey) : o.key.privateKey,
    ...(o.keyInfoCertPem ? { publicCert: o.keyInfoCertPem } : {}),
    signatureAlgorithm,
    canonicalizationAlgorithm: o.canonicalizationAlgorithm ?? ALG.excC14n,
    ...(o.keyInfoCertPem ? {} : { getKeyInfoContent: () => null }),
  });
  if (o.hmacKey !== undefined) sig.enableHMAC();
  for (const uri of Object.keys(HASH_OF)) sig.SignatureAlgorithms[uri] = extraSigner(uri);
  sig.addReference({
    xpath: o.referenceXPath ?? '/*',
    digestAlgorithm: o.digestAlgorithm ?? ALG.sha256,
    transforms: o.transforms ?? [ALG.enveloped, ALG.excC14n],
  });
  sig.computeSignature(xml, {
    prefix: 'ds',
    location: o.location ?? { reference: "/*/*[local-name(.)='Issuer']", action: 'after' },
  });
  return sig.getSignedXml();
}

export interface AuthnRequestOptions {
  id?: string;
  issueInstant?: string;
  issuer?: string | null;
  destination?: string | null;
  acsUrl?: string;
  acsIndex?: number;
  protocolBinding?: string;
  forceAuthn?: boolean;
  isPassive?: boolean;
  nameIdFormat?: string;
  allowCreate?: boolean;
  spNameQualifier?: string;
  requestedAuthnContext?: { comparison?: string; classRefs: string[] };
  /** Raw XML placed after Issuer (Extensions, Subject). */
  afterIssuer?: string;
  version?: string;
}

export const SP_ENTITY_ID = 'https://sp.example.org/saml';
export const IDP_SSO = {
  redirect: 'https://idp.example.si/saml/sso',
  post: 'https://idp.example.si/saml/sso/post',
};
export const IDP_SLO = {
  redirect: 'https://idp.example.si/saml/slo',
  post: 'https://idp.example.si/saml/slo/post',
};
export const ACS_URL = 'https://sp.example.org/saml/acs';
export const T0 = new Date('2026-11-20T10:00:00.000Z');

let counter = 0;
export const newId = (): string => `_req${Date.now().toString(36)}${(counter++).toString(36)}`;
const escapeAttr = (s: string) => s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');

export function authnRequestXml(o: AuthnRequestOptions = {}): string {
  const attrs = [
    `ID="${o.id ?? newId()}"`,
    `Version="${o.version ?? '2.0'}"`,
    `IssueInstant="${o.issueInstant ?? T0.toISOString()}"`,
    o.destination === null ? '' : `Destination="${escapeAttr(o.destination ?? IDP_SSO.post)}"`,
    o.acsUrl === undefined ? '' : `AssertionConsumerServiceURL="${escapeAttr(o.acsUrl)}"`,
    o.acsIndex === undefined ? '' : `AssertionConsumerServiceIndex="${o.acsIndex}"`,
    o.protocolBinding === undefined ? '' : `ProtocolBinding="${o.protocolBinding}"`,
    o.forceAuthn === undefined ? '' : `ForceAuthn="${o.forceAuthn}"`,
    o.isPassive === undefined ? '' : `IsPassive="${o.isPassive}"`,
  ].filter(Boolean);
  const issuer = o.issuer === null ? '' : `<saml:Issuer>${o.issuer ?? SP_ENTITY_ID}</saml:Issuer>`;
  const policyAttrs = [
    o.nameIdFormat === undefined ? '' : `Format="${o.nameIdFormat}"`,
    o.allowCreate === undefined ? '' : `AllowCreate="${o.allowCreate}"`,
    o.spNameQualifier === undefined ? '' : `SPNameQualifier="${escapeAttr(o.spNameQualifier)}"`,
  ].filter(Boolean);
  const policy =
    policyAttrs.length > 0 || o.nameIdFormat !== undefined
      ? `<samlp:NameIDPolicy ${policyAttrs.join(' ')}/>`
      : '';
  const rac = o.requestedAuthnContext
    ? `<samlp:RequestedAuthnContext${o.requestedAuthnContext.comparison ? ` Comparison="${o.requestedAuthnContext.comparison}"` : ''}>${o.requestedAuthnContext.classRefs
        .map((c) => `<saml:AuthnContextClassRef>${c}</saml:AuthnContextClassRef>`)
        .join('')}</samlp:RequestedAuthnContext>`
    : '';
  return (
    `<samlp:AuthnRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ${attrs.join(' ')}>` +
    `${issuer}${o.afterIssuer ?? ''}${policy}${rac}</samlp:AuthnRequest>`
  );
}

export interface LogoutRequestOptions {
  id?: string;
  issueInstant?: string;
  issuer?: string;
  destination?: string | null;
  nameId?: string;
  nameIdFormat?: string;
  sessionIndexes?: string[];
  notOnOrAfter?: string;
  afterIssuer?: string;
}

export function logoutRequestXml(o: LogoutRequestOptions = {}): string {
  const attrs = [
    `ID="${o.id ?? newId()}"`,
    'Version="2.0"',
    `IssueInstant="${o.issueInstant ?? T0.toISOString()}"`,
    o.destination === null ? '' : `Destination="${escapeAttr(o.destination ?? IDP_SLO.post)}"`,
    o.notOnOrAfter === undefined ? '' : `NotOnOrAfter="${o.notOnOrAfter}"`,
  ].filter(Boolean);
  const format = o.nameIdFormat ?? 'urn:oasis:names:tc:SAML:2.0:nameid-format:persistent';
  return (
    `<samlp:LogoutRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ${attrs.join(' ')}>` +
    `<saml:Issuer>${o.issuer ?? SP_ENTITY_ID}</saml:Issuer>${o.afterIssuer ?? ''}` +
    `<saml:NameID Format="${format}">${o.nameId ?? 'pairwise-0123456789abcdef'}</saml:NameID>` +
    (o.sessionIndexes ?? ['_session1']).map((s) => `<samlp:SessionIndex>${s}</samlp:SessionIndex>`).join('') +
    '</samlp:LogoutRequest>'
  );
}

/** HTTP-POST form field value. */
export const postEncode = (xml: string): string => Buffer.from(xml, 'utf8').toString('base64');

/** Percent-encoding as SP libraries do it (encodeURIComponent: %2B, %2F, %3D, uppercase hex). */
export const urlEncode = (s: string): string => encodeURIComponent(s);

/**
 * The raw query an SP sends for HTTP-Redirect, signed over the encoded parameters when a key is
 * given (SAML Bindings 3.4.4.1).
 */
export function redirectQuery(
  xml: string | Buffer,
  o: { relayState?: string; key?: TestKeyPair; sigAlg?: string; hmacKey?: string } = {},
): string {
  const deflated = deflateRawSync(typeof xml === 'string' ? Buffer.from(xml, 'utf8') : xml);
  let query = `SAMLRequest=${urlEncode(deflated.toString('base64'))}`;
  if (o.relayState !== undefined) query += `&RelayState=${urlEncode(o.relayState)}`;
  if (!o.key && o.hmacKey === undefined) return query;
  const sigAlg = o.sigAlg ?? ALG.rsaSha256;
  query += `&SigAlg=${urlEncode(sigAlg)}`;
  return `${query}&Signature=${urlEncode(signOctets(query, sigAlg, o))}`;
}

export function signOctets(
  octets: string,
  sigAlg: string,
  o: { key?: TestKeyPair; hmacKey?: string },
): string {
  const data = Buffer.from(octets, 'ascii');
  if (o.hmacKey !== undefined) return createHmac('sha1', o.hmacKey).update(data).digest('base64');
  const hash = sigAlg.endsWith('sha1')
    ? 'sha1'
    : sigAlg.endsWith('384')
      ? 'sha384'
      : sigAlg.endsWith('512')
        ? 'sha512'
        : 'sha256';
  const key = o.key!.privateKey;
  return sign(hash, data, o.key!.keyType === 'ec' ? { key, dsaEncoding: 'ieee-p1363' } : key).toString(
    'base64',
  );
}

/** A registered SP as the registry would hand it over. */
export function registeredSp(o: Partial<RegisteredSp> & { keys?: TestKeyPair[] } = {}): RegisteredSp {
  const { keys, ...rest } = o;
  return {
    entityId: SP_ENTITY_ID,
    signingCertificates: (keys ?? []).map((k) => k.certPem),
    authnRequestsSigned: (keys ?? []).length > 0,
    assertionConsumerServices: [
      { index: 0, url: ACS_URL, binding: 'post', isDefault: true },
      { index: 1, url: 'https://sp.example.org/saml/acs-legacy', binding: 'post', isDefault: false },
      {
        index: 2,
        url: 'https://sp.example.org/saml/artifact',
        binding: BINDING_URI.artifact,
        isDefault: false,
      },
    ],
    singleLogoutServices: [{ url: 'https://sp.example.org/saml/slo', binding: 'redirect' }],
    nameIdFormats: ['urn:oasis:names:tc:SAML:2.0:nameid-format:persistent'],
    policy: { relayStateMaxBytes: 80 },
    ...rest,
  };
}

/** An in-memory VerifyContext with a fixed clock and a replay cache that records what it saw. */
export function memoryContext(
  sps: RegisteredSp[],
  o: Partial<VerifyContext> = {},
): VerifyContext & { seen: Map<string, number> } {
  const seen = new Map<string, number>();
  return {
    lookupSp: (entityId) => sps.find((sp) => sp.entityId === entityId),
    idpSsoUrls: IDP_SSO,
    idpSloUrls: IDP_SLO,
    requireSignedRequests: false,
    clockSkewMs: 180_000,
    now: () => T0,
    async seenRequestId(spEntityId, id, ttlMs) {
      const key = `${spEntityId}\u0000${id}`;
      if (seen.has(key)) return true;
      seen.set(key, ttlMs);
      return false;
    },
    seen,
    ...o,
  };
}

/** The DomainError a refused request fails with; fails the test if the request was accepted. */
export async function refusal(verification: Promise<unknown>): Promise<DomainError> {
  try {
    await verification;
  } catch (e) {
    if (e instanceof DomainError) return e;
    throw e;
  }
  throw new Error('expected the request to be refused, but it was accepted');
}
