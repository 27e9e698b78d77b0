import { decodeBinding, type DecodedRequest } from './binding.js';
import { refused } from './errors.js';
import { validateAgainstSamlSchema } from './schema.js';
import {
  checkSignatureProfile,
  signatureElements,
  verifyDetachedSignature,
  verifyEnvelopedSignature,
} from './signature.js';
import { spVerificationKeys } from './sp-keys.js';
import type { RegisteredSp } from './types.js';
import { NS, attr, childElements, parseDom, refuseDtdAndOddEncodings, textOf } from './xml.js';

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
 * Reads a LogoutResponse that an SP sends back during front-channel propagation, with the same
 * transport defences as requests (capped inflate, DTDs refused, XSD, strict parse). A signature, when
 * present, must verify with the Issuer's registered key. The result only decides whether the logout
 * was complete (Success vs PartialLogout to the requesting SP): the session is already gone.
 */
export function readLogoutResponse(
  input: SamlResponseInput,
  lookupSp: (entityId: string) => RegisteredSp | undefined,
): ReadLogoutResponse {
  const decoded = decode(input);
  refuseDtdAndOddEncodings(decoded.xml);
  validateAgainstSamlSchema(decoded.xml);
  const doc = parseDom(decoded.xml);
  const root = doc.documentElement!;
  if (root.namespaceURI !== NS.samlp || root.localName !== 'LogoutResponse')
    throw refused('saml.malformed_request', 'expected a samlp:LogoutResponse');
  const issuerEl = childElements(root, NS.saml, 'Issuer')[0];
  const issuer = issuerEl ? textOf(issuerEl) : '';
  const sp = lookupSp(issuer);
  if (!sp) throw refused('saml.unknown_issuer', 'Issuer is not a registered SP');

  let signed = false;
  let trusted = root;
  const embedded = signatureElements(doc);
  if (decoded.detached) {
    if (embedded.length > 0)
      throw refused('saml.signature_profile_violation', 'XML signature in a Redirect message');
    verifyDetachedSignature(decoded.detached, spVerificationKeys(sp));
    signed = true;
  } else if (embedded.length > 0) {
    if (embedded.length > 1) throw refused('saml.signature_profile_violation', 'more than one Signature');
    checkSignatureProfile(doc, root, embedded[0]!);
    trusted = verifyEnvelopedSignature(root, embedded[0]!, spVerificationKeys(sp));
    signed = true;
  }
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
