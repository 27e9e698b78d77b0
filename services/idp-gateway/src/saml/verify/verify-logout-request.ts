import { refused } from './errors.js';
import {
  checkDestination,
  checkIssueInstant,
  checkNotReplayed,
  checkRelayState,
  establishTrust,
  lookupIssuer,
  parseSamlTime,
  receive,
} from './steps.js';
import type { SamlRequestInput, VerifiedLogoutRequest, VerifyContext } from './types.js';
import { NS, attr, childElements, textOf } from './xml.js';

/**
 * Verifies an SP-initiated LogoutRequest with the same pipeline as an AuthnRequest. The signature
 * is required when the SP's metadata has a signing key (or the IdP requires signing everywhere):
 * an unsigned LogoutRequest from such an SP could end a citizen's session from any web page.
 * Destination is always required: a LogoutRequest must name our SLO endpoint. A refused request
 * ends nothing, because nothing happens until this returns.
 */
export async function verifyLogoutRequest(
  input: SamlRequestInput,
  ctx: VerifyContext,
): Promise<VerifiedLogoutRequest> {
  const received = receive(input, 'LogoutRequest');
  const sp = lookupIssuer(received.root, ctx);
  const required = sp.signingCertificates.length > 0 || ctx.requireSignedRequests;
  const { root, signed } = establishTrust(received, sp, required);
  const binding = received.decoded.binding;

  const destination = checkDestination(root, ctx.idpSloUrls[binding], true)!;
  const issueInstant = checkIssueInstant(root, ctx);
  const notOnOrAfterAttr = attr(root, 'NotOnOrAfter');
  const notOnOrAfter =
    notOnOrAfterAttr === undefined ? undefined : parseSamlTime(notOnOrAfterAttr, 'NotOnOrAfter');
  if (notOnOrAfter && ctx.now().getTime() >= notOnOrAfter.getTime() + ctx.clockSkewMs)
    throw refused('saml.issue_instant_out_of_range', 'LogoutRequest has expired');

  // The schema allows BaseID or EncryptedID instead; we issue plain NameIDs only, so anything else
  // cannot name one of our sessions.
  const nameIdElement = childElements(root, NS.saml, 'NameID')[0];
  if (!nameIdElement) throw refused('saml.malformed_request', 'LogoutRequest without a plain NameID');
  const nameId = textOf(nameIdElement);
  const nameIdFormat = attr(nameIdElement, 'Format');
  const sessionIndexes = childElements(root, NS.samlp, 'SessionIndex').map(textOf);

  const id = attr(root, 'ID')!;
  await checkNotReplayed(sp, id, ctx);
  const relayState = checkRelayState(received.decoded.relayState, sp);
  return {
    sp,
    binding,
    id,
    issueInstant,
    destination,
    nameId,
    ...(nameIdFormat === undefined ? {} : { nameIdFormat }),
    sessionIndexes,
    ...(notOnOrAfter ? { notOnOrAfter } : {}),
    ...(relayState === undefined ? {} : { relayState }),
    signed,
  };
}
