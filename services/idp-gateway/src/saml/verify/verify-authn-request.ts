import type { Element } from '@xmldom/xmldom';
import { refused } from './errors.js';
import {
  checkDestination,
  checkIssueInstant,
  checkNotReplayed,
  checkRelayState,
  establishTrust,
  lookupIssuer,
  receive,
} from './steps.js';
import type {
  AuthnContextComparison,
  NameIdFormatName,
  RegisteredSp,
  SamlRequestInput,
  VerifiedAuthnRequest,
  VerifyContext,
} from './types.js';
import { NS, attr, booleanAttr, childElements, textOf } from './xml.js';

const POST_BINDING = 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST';
const isPost = (binding: string): boolean => binding === 'post' || binding === POST_BINDING;

/**
 * The ACS comes from registered metadata only: by index, or by an exact match of URL (and
 * ProtocolBinding) against a registered endpoint, else the SP's default. An unregistered URL is
 * never used, so a forged request cannot make us post an assertion to an attacker.
 */
function resolveAcs(root: Element, sp: RegisteredSp): string {
  const index = attr(root, 'AssertionConsumerServiceIndex');
  const url = attr(root, 'AssertionConsumerServiceURL');
  const protocolBinding = attr(root, 'ProtocolBinding');

  if (index !== undefined) {
    // SAML Core 3.4.1: the index is mutually exclusive with URL and ProtocolBinding.
    if (url !== undefined || protocolBinding !== undefined)
      throw refused(
        'saml.malformed_request',
        'AssertionConsumerServiceIndex together with URL or ProtocolBinding',
      );
    const acs = sp.assertionConsumerServices.find((a) => a.index === Number(index.trim()));
    if (!acs) throw refused('saml.acs_not_registered', 'no ACS with that index');
    if (!isPost(acs.binding)) throw refused('saml.unsupported_binding', 'that ACS does not use HTTP-POST');
    return acs.url;
  }
  // Responses go by HTTP-POST only (no Artifact resolution service, and Redirect is not allowed for
  // a Response by the Web SSO profile).
  if (protocolBinding !== undefined && protocolBinding !== POST_BINDING)
    throw refused('saml.unsupported_binding', 'only HTTP-POST responses are supported');
  const postAcs = sp.assertionConsumerServices.filter((a) => isPost(a.binding));
  if (url !== undefined) {
    const acs = postAcs.find((a) => a.url === url);
    if (!acs) throw refused('saml.acs_not_registered', 'AssertionConsumerServiceURL is not registered');
    return acs.url;
  }
  const acs = postAcs.find((a) => a.isDefault) ?? postAcs[0];
  if (!acs) throw refused('saml.acs_not_registered', 'the SP has no HTTP-POST ACS');
  return acs.url;
}

const NAMEID_FORMATS: Readonly<Record<string, NameIdFormatName>> = {
  'urn:oasis:names:tc:SAML:2.0:nameid-format:persistent': 'persistent',
  'urn:oasis:names:tc:SAML:2.0:nameid-format:transient': 'transient',
  'urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified': 'unspecified',
};

function nameIdPolicy(root: Element, sp: RegisteredSp): VerifiedAuthnRequest['nameIdPolicy'] {
  const policy = childElements(root, NS.samlp, 'NameIDPolicy')[0];
  if (!policy) return {};
  const formatUri = attr(policy, 'Format');
  const format = formatUri === undefined ? undefined : NAMEID_FORMATS[formatUri];
  if (formatUri !== undefined && format === undefined)
    throw refused('saml.nameid_policy_unsupported', 'NameID format not supported');
  // A pairwise persistent NameID is scoped to one SP. Another qualifier (an affiliation, or another
  // SP's entityID) would hand this SP an identifier meant for someone else: not supported.
  const spNameQualifier = attr(policy, 'SPNameQualifier');
  if (spNameQualifier !== undefined && spNameQualifier !== sp.entityId)
    throw refused('saml.nameid_policy_unsupported', 'SPNameQualifier other than the SP itself');
  const allowCreate = booleanAttr(policy, 'AllowCreate');
  return { ...(format ? { format } : {}), ...(allowCreate === undefined ? {} : { allowCreate }) };
}

const COMPARISONS = new Set<AuthnContextComparison>(['exact', 'minimum', 'better', 'maximum']);

function requestedAuthnContext(root: Element): VerifiedAuthnRequest['requestedAuthnContext'] {
  const rac = childElements(root, NS.samlp, 'RequestedAuthnContext')[0];
  if (!rac) return undefined;
  const comparison = (attr(rac, 'Comparison')?.trim() ?? 'exact') as AuthnContextComparison;
  if (!COMPARISONS.has(comparison)) throw refused('saml.schema_invalid', 'unknown Comparison');
  const classRefs = childElements(rac, NS.saml, 'AuthnContextClassRef').map(textOf);
  const declRefs = childElements(rac, NS.saml, 'AuthnContextDeclRef').map(textOf);
  return { comparison, classRefs, ...(declRefs.length > 0 ? { declRefs } : {}) };
}

function subjectNameId(root: Element): string | undefined {
  const subject = childElements(root, NS.saml, 'Subject')[0];
  if (!subject) return undefined;
  const nameId = childElements(subject, NS.saml, 'NameID')[0];
  // A Subject we can't read (BaseID, EncryptedID) can't be honoured, and ignoring it would log in
  // whoever comes along instead of the principal the SP asked for.
  if (!nameId) throw refused('saml.malformed_request', 'Subject without a plain NameID');
  return textOf(nameId);
}

/**
 * Verifies an AuthnRequest from either binding and returns a typed view read only from the
 * verified element. Throws DomainError with a `saml.*` code at the first failed check, in the order
 * the README lists: Issuer → signature → Destination → ACS → IssueInstant → replay → NameIDPolicy →
 * RelayState.
 */
export async function verifyAuthnRequest(
  input: SamlRequestInput,
  ctx: VerifyContext,
): Promise<VerifiedAuthnRequest> {
  const received = receive(input, 'AuthnRequest');
  const sp = lookupIssuer(received.root, ctx);
  const required = sp.authnRequestsSigned || ctx.requireSignedRequests;
  const { root, signed } = establishTrust(received, sp, required);
  const binding = received.decoded.binding;

  const destination = checkDestination(root, ctx.idpSsoUrls[binding], signed);
  const acsUrl = resolveAcs(root, sp);
  const issueInstant = checkIssueInstant(root, ctx);
  // Read before the replay cache records the ID, so a request refused for its shape does not burn it.
  const authnContext = requestedAuthnContext(root);
  const subject = subjectNameId(root);
  const forceAuthn = booleanAttr(root, 'ForceAuthn') ?? false;
  const isPassive = booleanAttr(root, 'IsPassive') ?? false;
  const id = attr(root, 'ID')!;
  await checkNotReplayed(sp, id, ctx);
  const policy = nameIdPolicy(root, sp);
  const relayState = checkRelayState(received.decoded.relayState, sp);

  return {
    sp,
    binding,
    id,
    issueInstant,
    ...(destination === undefined ? {} : { destination }),
    acsUrl,
    acsBinding: 'post',
    ...(relayState === undefined ? {} : { relayState }),
    forceAuthn,
    isPassive,
    nameIdPolicy: policy,
    ...(authnContext ? { requestedAuthnContext: authnContext } : {}),
    ...(subject === undefined ? {} : { subjectNameId: subject }),
    signed,
  };
}
