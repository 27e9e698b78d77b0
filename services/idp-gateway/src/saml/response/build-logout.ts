import { sign as rsaSign } from 'node:crypto';
import { deflateRawSync } from 'node:zlib';
import { NAMEID_FORMAT } from '@idp/saml';
import type { SigningIdentity } from '../keys.js';
import { escapeXml, iso, newSamlId, sign } from './build-response.js';

const STATUS = 'urn:oasis:names:tc:SAML:2.0:status:';
const RSA_SHA256 = 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256';
const NS_DECL =
  'xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion"';
const ISSUER_XPATH = "/*/*[local-name(.)='Issuer']";

export type LogoutBinding = 'redirect' | 'post';

/** A SAML protocol message ready to sign and send: its XML and the ID the signature refers to. */
export interface LogoutMessage {
  id: string;
  xml: string;
}

export interface LogoutRequestInput {
  idpEntityId: string;
  spEntityId: string;
  /** The SP's registered SLO endpoint for the binding it is sent on. */
  destination: string;
  /** Exactly as the assertion the SP holds named the subject. */
  nameId: { value: string; format: 'persistent' | 'transient' };
  sessionIndex?: string;
  now: Date;
  /** How long the SP may act on it (default 5 minutes). */
  validityMs?: number;
}

/** IdP → SP LogoutRequest (unsigned XML; `encodeLogoutMessage` signs it for its binding). */
export function buildLogoutRequest(i: LogoutRequestInput): LogoutMessage {
  const id = newSamlId();
  const notOnOrAfter = iso(new Date(i.now.getTime() + (i.validityMs ?? 5 * 60_000)));
  const xml =
    `<samlp:LogoutRequest ${NS_DECL} ID="${id}" Version="2.0" IssueInstant="${iso(i.now)}"` +
    ` Destination="${escapeXml(i.destination)}" NotOnOrAfter="${notOnOrAfter}" Reason="urn:oasis:names:tc:SAML:2.0:logout:user">` +
    `<saml:Issuer>${escapeXml(i.idpEntityId)}</saml:Issuer>` +
    `<saml:NameID Format="${NAMEID_FORMAT[i.nameId.format]}" NameQualifier="${escapeXml(i.idpEntityId)}" SPNameQualifier="${escapeXml(i.spEntityId)}">${escapeXml(i.nameId.value)}</saml:NameID>` +
    (i.sessionIndex === undefined
      ? ''
      : `<samlp:SessionIndex>${escapeXml(i.sessionIndex)}</samlp:SessionIndex>`) +
    `</samlp:LogoutRequest>`;
  return { id, xml };
}

export type LogoutStatus =
  | { top: 'Success'; second?: 'PartialLogout' }
  | { top: 'Requester' | 'Responder'; second?: 'UnknownPrincipal' | 'RequestDenied' };

export interface LogoutResponseInput {
  idpEntityId: string;
  /** The SP's SLO ResponseLocation, else its Location. */
  destination: string;
  inResponseTo: string;
  status: LogoutStatus;
  now: Date;
}

/** IdP → SP LogoutResponse (unsigned XML; `encodeLogoutMessage` signs it for its binding). */
export function buildLogoutResponse(i: LogoutResponseInput): LogoutMessage {
  const id = newSamlId();
  const top = `${STATUS}${i.status.top}`;
  const statusCode = i.status.second
    ? `<samlp:StatusCode Value="${top}"><samlp:StatusCode Value="${STATUS}${i.status.second}"/></samlp:StatusCode>`
    : `<samlp:StatusCode Value="${top}"/>`;
  const xml =
    `<samlp:LogoutResponse ${NS_DECL} ID="${id}" Version="2.0" IssueInstant="${iso(i.now)}"` +
    ` Destination="${escapeXml(i.destination)}" InResponseTo="${escapeXml(i.inResponseTo)}">` +
    `<saml:Issuer>${escapeXml(i.idpEntityId)}</saml:Issuer>` +
    `<samlp:Status>${statusCode}</samlp:Status>` +
    `</samlp:LogoutResponse>`;
  return { id, xml };
}

/** What the browser is given: a URL to go to, or a form to post (views/post.eta). */
export type OutgoingMessage =
  | { binding: 'redirect'; url: string }
  | {
      binding: 'post';
      action: string;
      field: 'SAMLRequest' | 'SAMLResponse';
      value: string;
      relayState?: string;
    };

export interface EncodeInput {
  field: 'SAMLRequest' | 'SAMLResponse';
  message: LogoutMessage;
  binding: LogoutBinding;
  destination: string;
  relayState?: string;
  signing: SigningIdentity;
}

/**
 * Signs and encodes a message for its binding. Redirect (SAML Bindings 3.4.4.1): raw DEFLATE,
 * base64, then an RSA-SHA256 signature over `SAMLRequest|SAMLResponse=…&RelayState=…&SigAlg=…`
 * exactly as the octets appear in the URL; no XML signature inside. POST: an enveloped signature on
 * the root (exclusive c14n, RSA-SHA256), plain base64.
 */
export function encodeLogoutMessage(e: EncodeInput): OutgoingMessage {
  if (e.binding === 'post') {
    const signed = sign(e.message.xml, e.message.id, ISSUER_XPATH, e.signing);
    return {
      binding: 'post',
      action: e.destination,
      field: e.field,
      value: Buffer.from(signed, 'utf8').toString('base64'),
      ...(e.relayState === undefined ? {} : { relayState: e.relayState }),
    };
  }
  const deflated = deflateRawSync(Buffer.from(e.message.xml, 'utf8')).toString('base64');
  const signedPart =
    `${e.field}=${encodeURIComponent(deflated)}` +
    (e.relayState === undefined ? '' : `&RelayState=${encodeURIComponent(e.relayState)}`) +
    `&SigAlg=${encodeURIComponent(RSA_SHA256)}`;
  const signature = rsaSign('sha256', Buffer.from(signedPart, 'ascii'), e.signing.privateKey).toString(
    'base64',
  );
  const query = `${signedPart}&Signature=${encodeURIComponent(signature)}`;
  return { binding: 'redirect', url: `${e.destination}${e.destination.includes('?') ? '&' : '?'}${query}` };
}
