import { sign as rsaSign } from 'node:crypto';
import { deflateRawSync } from 'node:zlib';
import { NAMEID_FORMAT } from '@idp/saml';
import type { SigningIdentity } from '../keys.js';
import { iso, protocolMessage, statusOf } from './build-response.js';
import { NS, RSA_SHA256, element, signed, unsigned, type Signable } from './canonical-xml.js';

export type LogoutBinding = 'redirect' | 'post';

/** A SAML protocol message ready to sign and send: its ID, its unsigned XML, and its parts to sign. */
export interface LogoutMessage {
  id: string;
  xml: string;
  element: Signable;
}

const message = (element: Signable): LogoutMessage => ({
  id: element.o.attrs!.ID!,
  xml: unsigned(element).doc,
  element,
});

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
  const notOnOrAfter = iso(new Date(i.now.getTime() + (i.validityMs ?? 5 * 60_000)));
  return message(
    protocolMessage(
      'samlp:LogoutRequest',
      i,
      { NotOnOrAfter: notOnOrAfter, Reason: 'urn:oasis:names:tc:SAML:2.0:logout:user' },
      [
        element(
          'saml:NameID',
          {
            ns: [['saml', NS.saml]],
            attrs: {
              Format: NAMEID_FORMAT[i.nameId.format],
              NameQualifier: i.idpEntityId,
              SPNameQualifier: i.spEntityId,
            },
          },
          i.nameId.value,
        ),
        ...(i.sessionIndex === undefined ? [] : [element('samlp:SessionIndex', {}, i.sessionIndex)]),
      ],
    ),
  );
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
  return message(
    protocolMessage('samlp:LogoutResponse', i, { InResponseTo: i.inResponseTo }, [
      statusOf(i.status.top, i.status.second),
    ]),
  );
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
    return {
      binding: 'post',
      action: e.destination,
      field: e.field,
      value: Buffer.from(signed(e.message.element, e.signing).doc, 'utf8').toString('base64'),
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
