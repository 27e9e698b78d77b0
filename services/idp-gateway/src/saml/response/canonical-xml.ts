import { createHash, sign as rsaSign } from 'node:crypto';
import type { SigningIdentity } from '../keys.js';

/**
 * XML the gateway writes itself, held twice: as sent, and in exclusive canonical form (W3C
 * xml-exc-c14n, without comments), the octets an enveloped signature's digest covers.
 *
 * Written by hand: xml-crypto would parse our own string back into a DOM, find the root by XPath and
 * canonicalize it again, about 2 ms per assertion on the 2-core target, only to recover what these
 * templates already know. Tests hold every template against xml-crypto's canonicalization and
 * check each signature with xml-crypto and node-saml.
 *
 * The two forms differ only where a caller asks for it (`docOnlyNs`): exclusive c14n drops a
 * namespace declaration no element or attribute name uses, such as `xs` in `xsi:type="xs:string"`,
 * while the message must still carry it for the QName in the value to resolve.
 */
export interface Xml {
  readonly doc: string;
  readonly c14n: string;
}

export type Namespace = readonly [prefix: string, uri: string];

export const NS = {
  saml: 'urn:oasis:names:tc:SAML:2.0:assertion',
  samlp: 'urn:oasis:names:tc:SAML:2.0:protocol',
  ds: 'http://www.w3.org/2000/09/xmldsig#',
  xs: 'http://www.w3.org/2001/XMLSchema',
  xsi: 'http://www.w3.org/2001/XMLSchema-instance',
} as const;

const C14N_EXC = 'http://www.w3.org/2001/10/xml-exc-c14n#';
const ENVELOPED = 'http://www.w3.org/2000/09/xmldsig#enveloped-signature';
export const RSA_SHA256 = 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256';
const SHA256 = 'http://www.w3.org/2001/04/xmlenc#sha256';

// What XML 1.0 cannot carry at all, not even as a character reference, lone surrogates included.
const NOT_XML = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;
const TEXT_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '\r': '&#xD;' };
const ATTR_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '"': '&quot;',
  '\t': '&#x9;',
  '\n': '&#xA;',
  '\r': '&#xD;',
};

/**
 * Character data as c14n writes it; a parser reads it back as the same characters. What XML cannot
 * carry becomes U+FFFD rather than a message no SP can parse.
 */
export const escapeText = (s: string) =>
  s.replace(NOT_XML, '\uFFFD').replace(/[&<>\r]/g, (c) => TEXT_ESCAPES[c]!);

/** An attribute value as c14n writes it (tabs and line breaks as references, so no parser folds them). */
export const escapeAttr = (s: string) =>
  s.replace(NOT_XML, '\uFFFD').replace(/[&<"\t\n\r]/g, (c) => ATTR_ESCAPES[c]!);

const uriOf = (prefix: string): string => {
  const uri = (NS as Record<string, string>)[prefix];
  if (uri === undefined) throw new Error(`canonical-xml: unknown prefix ${prefix}`);
  return uri;
};

/** c14n's attribute order: by namespace URI (none first), then local name, by code point. */
function attrKey(name: string): [string, string] {
  const colon = name.indexOf(':');
  return colon < 0 ? ['', name] : [uriOf(name.slice(0, colon)), name.slice(colon + 1)];
}
const byCodePoint = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
function compareAttrs(a: string, b: string): number {
  const [ua, la] = attrKey(a);
  const [ub, lb] = attrKey(b);
  return byCodePoint(ua, ub) || byCodePoint(la, lb);
}

export interface ElementOptions {
  /** Declarations c14n renders here: the element's or an attribute's prefix, not yet rendered above. */
  ns?: readonly Namespace[];
  /** Declarations the message carries here but c14n leaves out (a prefix used only inside a value). */
  docOnlyNs?: readonly Namespace[];
  /** Left out when the value is undefined. Unprefixed names, or prefixes of `NS`. */
  attrs?: Readonly<Record<string, string | undefined>>;
}

const nsDecls = (ns: readonly Namespace[]) =>
  [...ns]
    .sort((a, b) => byCodePoint(a[0], b[0]))
    .map(([p, uri]) => ` xmlns:${p}="${escapeAttr(uri)}"`)
    .join('');

/**
 * One element; string children are character data. Empty elements get an end tag, as in c14n.
 * Throws on a declaration c14n would not render here (a programming error: the digest would differ).
 */
export function element(name: string, o: ElementOptions, ...children: readonly (Xml | string)[]): Xml {
  const prefixOf = (n: string) => (n.includes(':') ? n.slice(0, n.indexOf(':')) : '');
  const attrNames = Object.keys(o.attrs ?? {})
    .filter((k) => o.attrs![k] !== undefined)
    .sort(compareAttrs);
  const used = new Set([prefixOf(name), ...attrNames.map(prefixOf)]);
  for (const [p] of o.ns ?? [])
    if (!used.has(p)) throw new Error(`canonical-xml: xmlns:${p} on ${name} is not visibly used`);
  for (const [p] of o.docOnlyNs ?? [])
    if (used.has(p)) throw new Error(`canonical-xml: xmlns:${p} on ${name} is visibly used`);
  const attrs = attrNames.map((k) => ` ${k}="${escapeAttr(o.attrs![k]!)}"`).join('');
  const rendered = nsDecls(o.ns ?? []);
  const docTag = `<${name}${nsDecls([...(o.ns ?? []), ...(o.docOnlyNs ?? [])])}${attrs}>`;
  const c14nTag = `<${name}${rendered}${attrs}>`;
  let doc = docTag;
  let c14n = c14nTag;
  for (const c of children) {
    if (typeof c === 'string') {
      const t = escapeText(c);
      doc += t;
      c14n += t;
    } else {
      doc += c.doc;
      c14n += c.c14n;
    }
  }
  return { doc: `${doc}</${name}>`, c14n: `${c14n}</${name}>` };
}

const sha256 = (s: string) => createHash('sha256').update(s, 'utf8').digest('base64');

function signedInfo(id: string, digest: string, ns: readonly Namespace[]): Xml {
  const alg = (tag: string, algorithm: string) => element(tag, { attrs: { Algorithm: algorithm } });
  return element(
    'ds:SignedInfo',
    { ns },
    alg('ds:CanonicalizationMethod', C14N_EXC),
    alg('ds:SignatureMethod', RSA_SHA256),
    element(
      'ds:Reference',
      { attrs: { URI: `#${id}` } },
      element('ds:Transforms', {}, alg('ds:Transform', ENVELOPED), alg('ds:Transform', C14N_EXC)),
      alg('ds:DigestMethod', SHA256),
      element('ds:DigestValue', {}, digest),
    ),
  );
}

/** A protocol element whose first child is its Issuer: what `signed` can put a signature into. */
export interface Signable {
  name: string;
  o: ElementOptions;
  issuer: Xml;
  rest: readonly Xml[];
}

export const unsigned = (e: Signable): Xml => element(e.name, e.o, e.issuer, ...e.rest);

/**
 * The element signed the way SAML and OpenSAML's signature profile expect: an enveloped
 * ds:Signature right after the Issuer (the schema's place for it), one Reference to `#<ID>`, the
 * enveloped-signature and exclusive c14n transforms, SHA-256 digest, RSA-SHA256, the certificate in
 * KeyInfo. `e.o.attrs.ID` must be set.
 */
export function signed(e: Signable, signing: SigningIdentity): Xml {
  const id = e.o.attrs?.ID;
  if (id === undefined) throw new Error(`canonical-xml: ${e.name} to be signed has no ID`);
  // The enveloped-signature transform takes the Signature out again: the digest is over the rest.
  const digest = sha256(unsigned(e).c14n);
  const signature = rsaSign(
    'sha256',
    Buffer.from(signedInfo(id, digest, [['ds', NS.ds]]).c14n, 'utf8'),
    signing.privateKey,
  ).toString('base64');
  const sig = element(
    'ds:Signature',
    { ns: [['ds', NS.ds]] },
    signedInfo(id, digest, []),
    element('ds:SignatureValue', {}, signature),
    element(
      'ds:KeyInfo',
      {},
      element('ds:X509Data', {}, element('ds:X509Certificate', {}, signing.certBase64)),
    ),
  );
  return element(e.name, e.o, e.issuer, sig, ...e.rest);
}
