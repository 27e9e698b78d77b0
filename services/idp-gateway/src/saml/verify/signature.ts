import { timingSafeEqual, type KeyObject } from 'node:crypto';
import type { Document, Element } from '@xmldom/xmldom';
import { ExclusiveCanonicalization } from 'xml-crypto';
import {
  ENVELOPED_SIGNATURE,
  EXC_C14N,
  digestBase64,
  isAllowedDigestAlgorithm,
  isAllowedSignatureAlgorithm,
  verifyRaw,
} from './algorithms.js';
import type { DetachedSignature } from './binding.js';
import { refused } from './errors.js';
import { NS, attr, childElements, isElement, parseDom } from './xml.js';

const ALLOWED_TRANSFORMS = new Set([EXC_C14N, ENVELOPED_SIGNATURE]);

const profileViolation = (detail: string) => refused('saml.signature_profile_violation', detail);

/** Every ds:Signature element anywhere in the document. */
export const signatureElements = (doc: Document): Element[] =>
  Array.from(doc.getElementsByTagNameNS(NS.ds, 'Signature'));

/** Elements carrying an ID-like attribute (the names XML-DSig libraries resolve references by) with this value. */
function elementsWithId(doc: Document, id: string): Element[] {
  const found: Element[] = [];
  const all = doc.getElementsByTagName('*');
  for (let i = 0; i < all.length; i++) {
    const e = all.item(i)!;
    for (let j = 0; j < e.attributes.length; j++) {
      const a = e.attributes.item(j)!;
      const name = a.localName ?? a.name;
      if ((name === 'ID' || name === 'Id' || name === 'id') && a.value === id) {
        found.push(e);
        break;
      }
    }
  }
  return found;
}

function onlyInclusiveNamespaces(e: Element, what: string): void {
  const children = childElements(e);
  if (children.length > 1 || children.some((c) => !isElement(c, NS.ec, 'InclusiveNamespaces')))
    throw profileViolation(`${what} has unexpected content`);
}

/**
 * The SAML signature profile, as OpenSAML's SAMLSignatureProfileValidator applies it, checked on
 * our own parse before any cryptography: the Signature is a direct child of the root and signs
 * exactly the root, by its ID, with enveloped-signature + exclusive c14n and nothing else (no XPath,
 * no XSLT, no ds:Object). Anything else is how signature-wrapping attacks make a signature on one
 * element vouch for another.
 */
export function checkSignatureProfile(doc: Document, root: Element, signature: Element): void {
  if (signature.parentNode !== root) throw profileViolation('Signature is not a child of the root element');
  if (childElements(signature, NS.ds, 'Object').length > 0)
    throw profileViolation('ds:Object is not allowed');
  const signedInfo = childElements(signature, NS.ds, 'SignedInfo');
  if (signedInfo.length !== 1) throw profileViolation('exactly one SignedInfo expected');
  const si = signedInfo[0]!;

  // Algorithms first: a SHA-1 or HMAC signature gets the more telling code even if it also breaks
  // the structure rules below.
  const signatureMethod = childElements(si, NS.ds, 'SignatureMethod')[0];
  const methodUri = signatureMethod ? (attr(signatureMethod, 'Algorithm') ?? '') : '';
  if (!isAllowedSignatureAlgorithm(methodUri))
    throw refused('saml.signature_algorithm_forbidden', 'SignatureMethod not allowed');
  const references = childElements(si, NS.ds, 'Reference');
  for (const ref of references) {
    const digestMethod = childElements(ref, NS.ds, 'DigestMethod')[0];
    if (!isAllowedDigestAlgorithm(digestMethod ? (attr(digestMethod, 'Algorithm') ?? '') : ''))
      throw refused('saml.signature_algorithm_forbidden', 'DigestMethod not allowed');
  }
  // HMACOutputLength (truncated HMAC, CVE-2009-0217) and anything else inside SignatureMethod.
  if (childElements(signatureMethod!).length > 0) throw profileViolation('SignatureMethod has content');

  const c14n = childElements(si, NS.ds, 'CanonicalizationMethod')[0];
  if (!c14n || attr(c14n, 'Algorithm') !== EXC_C14N)
    throw profileViolation('CanonicalizationMethod must be exclusive c14n without comments');
  onlyInclusiveNamespaces(c14n, 'CanonicalizationMethod');

  if (references.length !== 1) throw profileViolation('exactly one Reference expected');
  const ref = references[0]!;
  const rootId = attr(root, 'ID');
  if (!rootId || attr(ref, 'URI') !== `#${rootId}`)
    throw profileViolation('Reference must point at the root element by its ID');

  const transforms = childElements(ref, NS.ds, 'Transforms')[0];
  const list = transforms ? childElements(transforms) : [];
  if (
    list.length !== 2 ||
    list.some((t) => !isElement(t, NS.ds, 'Transform')) ||
    attr(list[0]!, 'Algorithm') !== ENVELOPED_SIGNATURE ||
    attr(list[1]!, 'Algorithm') !== EXC_C14N
  )
    throw profileViolation('transforms must be enveloped-signature then exclusive c14n');
  if (list.some((t) => !ALLOWED_TRANSFORMS.has(attr(t, 'Algorithm') ?? '')))
    throw profileViolation('transform not allowed');
  // The enveloped-signature transform takes no parameters. xml-crypto signers still copy the
  // InclusiveNamespaces element onto it (in a namespace of their own); it changes nothing, so it is
  // tolerated, and anything else is not.
  if (childElements(list[0]!).some((c) => c.localName !== 'InclusiveNamespaces'))
    throw profileViolation('enveloped-signature transform has content');
  onlyInclusiveNamespaces(list[1]!, 'exclusive c14n transform');

  // The ID must name exactly one element, the root: a duplicate elsewhere is the classic wrapping
  // set-up, where the verifier and the reader resolve the same ID to different elements.
  const holders = elementsWithId(doc, rootId);
  if (holders.length !== 1 || holders[0] !== root) throw profileViolation('the signed ID is not unique');
}

const child = (parent: Element, localName: string, ns: string = NS.ds): Element => {
  const e = childElements(parent, ns, localName)[0];
  // The schema and checkSignatureProfile() guarantee these exist; if not, refuse rather than guess.
  if (!e) throw profileViolation(`${localName} missing`);
  return e;
};

function inclusiveNamespacesPrefixList(method: Element): string[] {
  const inclusive = childElements(method, NS.ec, 'InclusiveNamespaces')[0];
  return (inclusive ? (attr(inclusive, 'PrefixList') ?? '') : '').split(/\s+/).filter(Boolean);
}

/**
 * Namespace declarations in scope from the ancestors of `e` (nearest wins, undeclarations and
 * prefixes `e` declares itself left out), as xml-crypto's findAncestorNs computes them for
 * InclusiveNamespaces.
 */
function ancestorNamespaces(e: Element): { prefix: string; namespaceURI: string }[] {
  const prefixOf = (name: string) =>
    name === 'xmlns' ? '' : name.startsWith('xmlns:') ? name.slice(6) : undefined;
  const own = new Set<string>();
  for (let i = 0; i < e.attributes.length; i++) {
    const prefix = prefixOf(e.attributes.item(i)!.name);
    if (prefix !== undefined) own.add(prefix);
  }
  const found = new Map<string, string>();
  for (let p = e.parentNode; p && p.nodeType === 1; p = p.parentNode) {
    const attrs = (p as Element).attributes;
    for (let i = 0; i < attrs.length; i++) {
      const a = attrs.item(i)!;
      const prefix = prefixOf(a.name);
      if (prefix !== undefined && !found.has(prefix)) found.set(prefix, a.value);
    }
  }
  return [...found]
    .filter(([prefix, namespaceURI]) => namespaceURI !== '' && !own.has(prefix))
    .map(([prefix, namespaceURI]) => ({ prefix, namespaceURI }));
}

function canonicalize(
  e: Element,
  prefixes: string[],
  ancestors: { prefix: string; namespaceURI: string }[],
): string {
  try {
    return new ExclusiveCanonicalization().process(
      e as unknown as Parameters<ExclusiveCanonicalization['process']>[0],
      {
        inclusiveNamespacesPrefixList: prefixes,
        ancestorNamespaces: ancestors,
      },
    );
  } catch (cause) {
    // A node type the canonicalizer does not know: nothing we could have verified.
    throw refused('saml.signature_invalid', 'the signed content cannot be canonicalized', cause);
  }
}

function base64Value(e: Element, what: string): Buffer {
  const text = (e.textContent ?? '').replace(/\s+/g, '');
  if (text.length === 0 || text.length % 4 !== 0 || !/^[A-Za-z0-9+/]+={0,2}$/.test(text))
    throw refused('saml.signature_invalid', `${what} is not base64`);
  return Buffer.from(text, 'base64');
}

/**
 * Verifies the enveloped signature (after checkSignatureProfile) against the registered keys and
 * returns the root element re-parsed from the canonical octets that were digested: from here on
 * nothing is read from the document as received.
 *
 * The profile leaves exactly one shape (one Reference to the root, enveloped-signature then
 * exclusive c14n), so the reference is processed here on our own parse with xml-crypto's exclusive
 * canonicalization, instead of through SignedXml.checkSignature: that re-parses the document with
 * a second xmldom version (a parser differential between what is verified and what is read) and
 * resolves the reference with XPath over the whole document, which alone cost ~1.7 ms per request.
 */
export function verifyEnvelopedSignature(root: Element, signature: Element, keys: KeyObject[]): Element {
  const signedInfo = child(signature, 'SignedInfo');
  const reference = child(signedInfo, 'Reference');
  const transforms = childElements(child(reference, 'Transforms'));
  const digestAlgorithm = attr(child(reference, 'DigestMethod'), 'Algorithm') ?? '';
  const expectedDigest = base64Value(child(reference, 'DigestValue'), 'DigestValue');

  // Enveloped-signature transform on a copy: the root minus this Signature, nothing else removed.
  const copy = root.cloneNode(true) as Element;
  const position = Array.prototype.indexOf.call(root.childNodes, signature);
  copy.removeChild(copy.childNodes.item(position)!);
  const signedOctets = canonicalize(copy, inclusiveNamespacesPrefixList(transforms[1]!), []);
  const digest = Buffer.from(digestBase64(digestAlgorithm, signedOctets), 'base64');
  if (digest.length !== expectedDigest.length || !timingSafeEqual(digest, expectedDigest))
    throw refused('saml.signature_invalid', 'digest does not match: the request was changed after signing');

  const canonicalSignedInfo = canonicalize(
    signedInfo.cloneNode(true) as Element,
    inclusiveNamespacesPrefixList(child(signedInfo, 'CanonicalizationMethod')),
    ancestorNamespaces(signedInfo),
  );
  const signatureMethod = attr(child(signedInfo, 'SignatureMethod'), 'Algorithm') ?? '';
  const signatureValue = base64Value(child(signature, 'SignatureValue'), 'SignatureValue');
  if (keys.length === 0) throw refused('saml.signature_invalid', 'the SP has no usable signing certificate');
  if (!keys.some((key) => verifyRaw(signatureMethod, canonicalSignedInfo, key, signatureValue)))
    throw refused('saml.signature_invalid', 'no registered key verifies the signature');

  const verified = parseDom(signedOctets).documentElement!;
  if (
    verified.namespaceURI !== root.namespaceURI ||
    verified.localName !== root.localName ||
    attr(verified, 'ID') !== attr(root, 'ID')
  )
    throw refused('saml.signature_invalid', 'the signed element is not the request');
  return verified;
}

/** HTTP-Redirect: the detached signature over the query octets as received. */
export function verifyDetachedSignature(d: DetachedSignature, keys: KeyObject[]): void {
  if (!isAllowedSignatureAlgorithm(d.sigAlg))
    throw refused('saml.signature_algorithm_forbidden', 'SigAlg not allowed');
  if (keys.length === 0) throw refused('saml.signature_invalid', 'the SP has no usable signing certificate');
  if (!keys.some((key) => verifyRaw(d.sigAlg, d.signedOctets, key, d.signature)))
    throw refused('saml.signature_invalid', 'no registered key verifies the signature');
}
