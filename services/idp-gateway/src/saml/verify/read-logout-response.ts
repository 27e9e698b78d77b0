import { decodeBinding, type DecodedRequest } from './binding.js';
import { refused } from './errors.js';
import { establishTrust, lookupIssuer, receiveDecoded } from './steps.js';
import type { RegisteredSp } from './types.js';
import { NS, attr, childElements } from './xml.js';

/** A LogoutResponse as the SLO route received it (the SAMLResponse counterpart of SamlRequestInput). */
export type SamlResponseInput =
  { binding: 'redirect'; rawQuery: string } | { binding: 'post'; samlResponse: string; relayState?: string };

export interface ReadLogoutResponse {
  issuer: string;
  inResponseTo?: string;
  /** Top-level status code URI. */
  status?: string;
  relayState?: string;
  /** True when a signature was present and verified with the issuer's registered key. */
  signed: boolean;
}

/**
 * Reads a LogoutResponse that an SP sends back during front-channel propagation, through the same
 * steps as its requests: capped inflate, DTDs refused, XSD, strict parse, the signature profile, and
 * every field read from the verified element only. The signature is required when the SP's metadata
 * has a signing key (SAML Profiles 4.4.4.2: on the front channel it is what authenticates the answer).
 * The result only decides whether the logout was complete (Success vs PartialLogout to the requesting
 * SP, or the note on the logged-out page): the session is already gone.
 */
export function readLogoutResponse(
  input: SamlResponseInput,
  lookupSp: (entityId: string) => RegisteredSp | undefined,
): ReadLogoutResponse {
  const decoded = decode(input);
  const received = receiveDecoded(decoded, 'LogoutResponse');
  const sp = lookupIssuer(received.root, { lookupSp });
  const { root: trusted, signed } = establishTrust(received, sp, sp.signingCertificates.length > 0);
  const statusCode = childElements(trusted, NS.samlp, 'Status').flatMap((s) =>
    childElements(s, NS.samlp, 'StatusCode'),
  )[0];
  const inResponseTo = attr(trusted, 'InResponseTo');
  const status = statusCode ? attr(statusCode, 'Value') : undefined;
  return {
    issuer: sp.entityId,
    ...(inResponseTo === undefined ? {} : { inResponseTo }),
    ...(status === undefined ? {} : { status }),
    ...(decoded.relayState === undefined ? {} : { relayState: decoded.relayState }),
    signed,
  };
}

/** The request decoder, reused for SAMLResponse: same strict splitting, base64, cap and signed octets. */
function decode(input: SamlResponseInput): DecodedRequest {
  if (input.binding === 'post')
    return decodeBinding({
      binding: 'post',
      samlRequest: input.samlResponse,
      ...(input.relayState === undefined ? {} : { relayState: input.relayState }),
    });
  const query = input.rawQuery.startsWith('?') ? input.rawQuery.slice(1) : input.rawQuery;
  const pairs = query.split('&');
  if (pairs.some((p) => p === 'SAMLRequest' || p.startsWith('SAMLRequest=')))
    throw refused('saml.malformed_request', 'both SAMLRequest and SAMLResponse');
  const renamed = pairs
    .map((p) => (p.startsWith('SAMLResponse=') ? `SAMLRequest=${p.slice(13)}` : p))
    .join('&');
  const decoded = decodeBinding({ binding: 'redirect', rawQuery: renamed });
  if (!decoded.detached) return decoded;
  // The signature covers the parameter under its real name.
  const octets = decoded.detached.signedOctets.toString('ascii').replace(/^SAMLRequest=/, 'SAMLResponse=');
  return { ...decoded, detached: { ...decoded.detached, signedOctets: Buffer.from(octets, 'ascii') } };
}
