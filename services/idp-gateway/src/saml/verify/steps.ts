import type { Document, Element } from '@xmldom/xmldom';
import { DomainError, isDomainError } from '@idp/events';
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
import type { RegisteredSp, SamlRequestInput, VerifyContext } from './types.js';
import { NS, attr, childElements, parseDom, refuseDtdAndOddEncodings, textOf } from './xml.js';

/**
 * The pipeline both request kinds share, as small named steps that each fail with a typed error.
 * The order matters: nothing reads a field of the request before the step that makes it trustworthy.
 */

/** A request that is well-formed and schema-valid, but not yet trusted in any way. */
export interface ReceivedRequest {
  decoded: DecodedRequest;
  doc: Document;
  /** Our parse of the request as received; used to find the Issuer and the signature only. */
  root: Element;
}

/** Binding decode → DTD refusal → XSD validation → strict parse → the expected message type. */
export function receive(
  input: SamlRequestInput,
  expected: 'AuthnRequest' | 'LogoutRequest',
): ReceivedRequest {
  return receiveDecoded(decodeBinding(input), expected);
}

/** The steps after the binding decode, for a message decoded elsewhere (an SP's LogoutResponse). */
export function receiveDecoded(
  decoded: DecodedRequest,
  expected: 'AuthnRequest' | 'LogoutRequest' | 'LogoutResponse',
): ReceivedRequest {
  refuseDtdAndOddEncodings(decoded.xml);
  validateAgainstSamlSchema(decoded.xml);
  const doc = parseDom(decoded.xml);
  const root = doc.documentElement!;
  if (root.namespaceURI !== NS.samlp || root.localName !== expected)
    throw refused('saml.malformed_request', `expected a samlp:${expected}`);
  if (attr(root, 'Version') !== '2.0') throw refused('saml.malformed_request', 'Version must be 2.0');
  return { decoded, doc, root };
}

const ENTITY_FORMAT = 'urn:oasis:names:tc:SAML:2.0:nameid-format:entity';

function issuerOf(root: Element): string | undefined {
  const issuer = childElements(root, NS.saml, 'Issuer')[0];
  if (!issuer) return undefined;
  const format = attr(issuer, 'Format');
  if (format !== undefined && format !== ENTITY_FORMAT) return undefined;
  return textOf(issuer);
}

/**
 * The SP named by Issuer. Read from the untrusted document only to pick the keys; the signature
 * step checks the verified element names the same SP.
 */
export function lookupIssuer(root: Element, ctx: Pick<VerifyContext, 'lookupSp'>): RegisteredSp {
  const entityId = issuerOf(root);
  if (!entityId) throw refused('saml.unknown_issuer', 'no Issuer');
  const sp = ctx.lookupSp(entityId);
  if (!sp) throw refused('saml.unknown_issuer', 'Issuer is not a registered SP');
  return sp;
}

export interface Trusted {
  /** The element every field is read from: the verified one when signed. */
  root: Element;
  signed: boolean;
}

/**
 * Checks the signature when the SP or the IdP requires one, and whenever one is present (a present
 * but invalid signature is never ignored). Returns the element to read from.
 */
export function establishTrust(received: ReceivedRequest, sp: RegisteredSp, required: boolean): Trusted {
  const { decoded, doc, root } = received;
  const embedded = signatureElements(doc);

  if (decoded.binding === 'redirect') {
    // SAML Bindings 3.4.4.1: an HTTP-Redirect message carries its signature in the query and the
    // XML must not contain one. Refused rather than ignored, so an enveloped signature can never be
    // mistaken for the one that was checked.
    if (embedded.length > 0)
      throw refused('saml.signature_profile_violation', 'XML signature in a Redirect message');
    if (!decoded.detached) {
      if (required) throw refused('saml.signature_required', 'the SP must sign its messages');
      return { root, signed: false };
    }
    verifyDetachedSignature(decoded.detached, spVerificationKeys(sp));
    // The detached signature covers the whole deflated message, so the parsed root is the verified one.
    return checkIssuer({ root, signed: true }, sp);
  }

  if (embedded.length === 0) {
    if (required) throw refused('saml.signature_required', 'the SP must sign its messages');
    return { root, signed: false };
  }
  // One signature, on the root. A second one, or one on a nested element, is how a signed request
  // gets wrapped inside an attacker's (signature on a nested element; request around a signed one).
  if (embedded.length > 1) throw refused('saml.signature_profile_violation', 'more than one Signature');
  const signature = embedded[0]!;
  checkSignatureProfile(doc, root, signature);
  const verified = verifyEnvelopedSignature(root, signature, spVerificationKeys(sp));
  return checkIssuer({ root: verified, signed: true }, sp);
}

function checkIssuer(trusted: Trusted, sp: RegisteredSp): Trusted {
  if (issuerOf(trusted.root) !== sp.entityId)
    throw refused('saml.signature_invalid', 'the signed Issuer is not the SP whose key verified it');
  return trusted;
}

/** Destination must be our endpoint for this binding; a signed request must name it (Bindings 3.4.5.2, 3.5.5.2). */
export function checkDestination(
  root: Element,
  expected: string,
  mustBePresent: boolean,
): string | undefined {
  const destination = attr(root, 'Destination');
  if (destination === undefined) {
    if (mustBePresent) throw refused('saml.destination_mismatch', 'Destination missing');
    return undefined;
  }
  if (destination !== expected)
    throw refused('saml.destination_mismatch', 'Destination is not this endpoint');
  return destination;
}

// SAML Core 1.3.3: times are UTC with a "Z" and no offset.
const UTC_DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?Z$/;

export function parseSamlTime(value: string | undefined, name: string): Date {
  const m = value === undefined ? null : UTC_DATE_TIME.exec(value.trim());
  if (!m) throw refused('saml.malformed_request', `${name} is not a UTC xs:dateTime`);
  const [, y, mo, d, h, mi, s, frac] = m;
  const ms = Date.UTC(+y!, +mo! - 1, +d!, +h!, +mi!, +s!, frac ? +frac.slice(0, 3).padEnd(3, '0') : 0);
  const date = new Date(ms);
  // Date.UTC rolls 2026-02-31 over to March; a rolled-over date is not the one that was written.
  if (Number.isNaN(ms) || date.getUTCDate() !== +d! || date.getUTCMonth() !== +mo! - 1)
    throw refused('saml.malformed_request', `${name} is not a valid date`);
  return date;
}

export function checkIssueInstant(root: Element, ctx: VerifyContext): Date {
  const issueInstant = parseSamlTime(attr(root, 'IssueInstant'), 'IssueInstant');
  if (Math.abs(issueInstant.getTime() - ctx.now().getTime()) > ctx.clockSkewMs)
    throw refused('saml.issue_instant_out_of_range', 'IssueInstant outside the allowed clock skew');
  return issueInstant;
}

/**
 * A request is accepted within ±skew of its IssueInstant, so its ID must be remembered at least
 * that long; twice the skew covers a request issued at the far edge of the window.
 */
export const replayTtlMs = (ctx: VerifyContext): number => Math.max(2 * ctx.clockSkewMs, 60_000);

export async function checkNotReplayed(sp: RegisteredSp, id: string, ctx: VerifyContext): Promise<void> {
  let seen: boolean;
  try {
    seen = await ctx.seenRequestId(sp.entityId, id, replayTtlMs(ctx));
  } catch (cause) {
    // Without the replay cache a request can't be shown to be fresh: refuse, never fail open.
    if (isDomainError(cause)) throw cause;
    throw new DomainError('unavailable', 'infra.redis_down', { cause });
  }
  if (seen) throw refused('saml.request_replayed', 'request ID already used');
}

/** SAML Bindings 3.4.3/3.5.3 allow 80 bytes; the SP's policy may allow more for legacy SPs, never over 1 KiB. */
export const RELAY_STATE_HARD_LIMIT_BYTES = 1024;

export function checkRelayState(relayState: string | undefined, sp: RegisteredSp): string | undefined {
  if (relayState === undefined) return undefined;
  const limit = Math.min(sp.policy.relayStateMaxBytes || 80, RELAY_STATE_HARD_LIMIT_BYTES);
  if (Buffer.byteLength(relayState, 'utf8') > limit)
    throw refused('saml.relay_state_too_long', `RelayState over ${limit} bytes`);
  return relayState;
}
