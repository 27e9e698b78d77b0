import { createHmac, randomBytes } from 'node:crypto';
import { SignedXml } from 'xml-crypto';
import { ATTRIBUTES, LOA_URI, NAMEID_FORMAT, type AttributeKey, type Loa } from '@idp/saml';
import type { SigningIdentity } from '../keys.js';

const STATUS = 'urn:oasis:names:tc:SAML:2.0:status:';
const C14N_EXC = 'http://www.w3.org/2001/10/xml-exc-c14n#';
const ENVELOPED = 'http://www.w3.org/2000/09/xmldsig#enveloped-signature';
const RSA_SHA256 = 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256';
const SHA256 = 'http://www.w3.org/2001/04/xmlenc#sha256';

export type SecondLevelStatus =
  'AuthnFailed' | 'NoAuthnContext' | 'NoPassive' | 'RequestDenied' | 'UnknownPrincipal';

export interface ResponseBase {
  idpEntityId: string;
  signing: SigningIdentity;
  spEntityId: string;
  /** The ACS URL taken from the SP's registered metadata; becomes Destination and Recipient. */
  acsUrl: string;
  inResponseTo: string;
  /** Sign the Response as well as the Assertion (SP policy). */
  signResponse: boolean;
  now: Date;
}

export interface SuccessInput extends ResponseBase {
  nameId: { value: string; format: 'persistent' | 'transient' };
  authn: { instant: Date; sessionIndex: string; loa: Loa; sessionNotOnOrAfter?: Date };
  attributes: Partial<Record<AttributeKey, string>>;
  /** How long the bearer assertion may be used (default 5 minutes). */
  validityMs?: number;
}

export interface FailureInput extends ResponseBase {
  /** `Requester` when the request was at fault, `Responder` when the login could not happen. */
  topLevel: 'Requester' | 'Responder';
  secondLevel: SecondLevelStatus;
}

/** A SAML ID: must start with a letter or underscore (xs:ID), 160 random bits. */
export const newSamlId = (): string => `_${randomBytes(20).toString('hex')}`;

export const escapeXml = (s: string) =>
  s.replace(
    /[<>&"']/g,
    (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]!,
  );
export const iso = (d: Date) => d.toISOString().replace(/\.\d{3}Z$/, 'Z');

/**
 * A persistent pairwise NameID: stable for one person at one SP, unlinkable across SPs (an HMAC
 * over both, keyed by a secret only the gateway holds).
 */
export function pairwiseNameId(secret: string, accountId: string, spEntityId: string): string {
  return createHmac('sha256', secret).update(`${accountId}\u0000${spEntityId}`).digest('base64url');
}

/** Enveloped signature right after the element's own Issuer, as the SAML schema orders it. */
export function sign(xml: string, rootId: string, issuerXPath: string, signing: SigningIdentity): string {
  const sig = new SignedXml({
    privateKey: signing.privateKey,
    publicCert: signing.certPem,
    signatureAlgorithm: RSA_SHA256,
    canonicalizationAlgorithm: C14N_EXC,
    // xml-crypto would parse the certificate on every signature to build KeyInfo; ours never changes.
    getKeyInfoContent: ({ prefix } = {}) => {
      const p = prefix ? `${prefix}:` : '';
      return `<${p}X509Data><${p}X509Certificate>${signing.certBase64}</${p}X509Certificate></${p}X509Data>`;
    },
  });
  sig.addReference({
    xpath: `//*[@ID='${rootId}']`,
    transforms: [ENVELOPED, C14N_EXC],
    digestAlgorithm: SHA256,
  });
  sig.computeSignature(xml, { prefix: 'ds', location: { reference: issuerXPath, action: 'after' } });
  return sig.getSignedXml();
}

function envelope(b: ResponseBase, id: string, statusXml: string, assertionXml: string): string {
  return (
    `<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion"` +
    ` ID="${id}" Version="2.0" IssueInstant="${iso(b.now)}" Destination="${escapeXml(b.acsUrl)}" InResponseTo="${escapeXml(b.inResponseTo)}">` +
    `<saml:Issuer>${escapeXml(b.idpEntityId)}</saml:Issuer>${statusXml}${assertionXml}</samlp:Response>`
  );
}

const signResponseIfAsked = (b: ResponseBase, id: string, xml: string) =>
  b.signResponse ? sign(xml, id, "/*/*[local-name(.)='Issuer']", b.signing) : xml;

/** A Success Response whose Assertion is always signed (RSA-SHA256, exclusive c14n). */
export function buildSuccessResponse(i: SuccessInput): string {
  const assertionId = newSamlId();
  const responseId = newSamlId();
  const notOnOrAfter = iso(new Date(i.now.getTime() + (i.validityMs ?? 5 * 60_000)));
  const notBefore = iso(new Date(i.now.getTime() - 30_000));
  const attributes = (Object.entries(i.attributes) as [AttributeKey, string | undefined][])
    .filter(([, v]) => v !== undefined && v !== '')
    .map(
      ([key, value]) =>
        `<saml:Attribute Name="${ATTRIBUTES[key].name}" NameFormat="urn:oasis:names:tc:SAML:2.0:attrname-format:uri" FriendlyName="${ATTRIBUTES[key].friendlyName}">` +
        `<saml:AttributeValue xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="xs:string">${escapeXml(value!)}</saml:AttributeValue></saml:Attribute>`,
    )
    .join('');
  const assertion =
    `<saml:Assertion xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="${assertionId}" Version="2.0" IssueInstant="${iso(i.now)}">` +
    `<saml:Issuer>${escapeXml(i.idpEntityId)}</saml:Issuer>` +
    `<saml:Subject><saml:NameID Format="${NAMEID_FORMAT[i.nameId.format]}" NameQualifier="${escapeXml(i.idpEntityId)}" SPNameQualifier="${escapeXml(i.spEntityId)}">${escapeXml(i.nameId.value)}</saml:NameID>` +
    `<saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer">` +
    `<saml:SubjectConfirmationData InResponseTo="${escapeXml(i.inResponseTo)}" NotOnOrAfter="${notOnOrAfter}" Recipient="${escapeXml(i.acsUrl)}"/>` +
    `</saml:SubjectConfirmation></saml:Subject>` +
    `<saml:Conditions NotBefore="${notBefore}" NotOnOrAfter="${notOnOrAfter}"><saml:AudienceRestriction><saml:Audience>${escapeXml(i.spEntityId)}</saml:Audience></saml:AudienceRestriction></saml:Conditions>` +
    `<saml:AuthnStatement AuthnInstant="${iso(i.authn.instant)}" SessionIndex="${escapeXml(i.authn.sessionIndex)}"` +
    `${i.authn.sessionNotOnOrAfter ? ` SessionNotOnOrAfter="${iso(i.authn.sessionNotOnOrAfter)}"` : ''}>` +
    `<saml:AuthnContext><saml:AuthnContextClassRef>${LOA_URI[i.authn.loa]}</saml:AuthnContextClassRef></saml:AuthnContext></saml:AuthnStatement>` +
    (attributes ? `<saml:AttributeStatement>${attributes}</saml:AttributeStatement>` : '') +
    `</saml:Assertion>`;
  const signedAssertion = sign(assertion, assertionId, "/*/*[local-name(.)='Issuer']", i.signing);
  const status = `<samlp:Status><samlp:StatusCode Value="${STATUS}Success"/></samlp:Status>`;
  return signResponseIfAsked(i, responseId, envelope(i, responseId, status, signedAssertion));
}

/**
 * An error Response (no assertion) for a trusted request whose login cannot happen: the SP gets a
 * SAML status it can act on instead of a dead end. Always signed, so the SP can trust the status.
 */
export function buildFailureResponse(i: FailureInput): string {
  const responseId = newSamlId();
  const status = `<samlp:Status><samlp:StatusCode Value="${STATUS}${i.topLevel}"><samlp:StatusCode Value="${STATUS}${i.secondLevel}"/></samlp:StatusCode></samlp:Status>`;
  return sign(envelope(i, responseId, status, ''), responseId, "/*/*[local-name(.)='Issuer']", i.signing);
}
