import { DOMParser, type Document, type Element } from '@xmldom/xmldom';
import { refused } from './errors.js';

export const NS = {
  samlp: 'urn:oasis:names:tc:SAML:2.0:protocol',
  saml: 'urn:oasis:names:tc:SAML:2.0:assertion',
  ds: 'http://www.w3.org/2000/09/xmldsig#',
  ec: 'http://www.w3.org/2001/10/xml-exc-c14n#',
} as const;

// `<!` opens a markup declaration (DOCTYPE, ENTITY, ELEMENT, ATTLIST, NOTATION) unless it starts a
// comment or a CDATA section. Matching every such opener, in any case and spacing, is simpler to
// trust than a list of keywords, and no SAML request needs a DTD.
const MARKUP_DECLARATION = /<!(?!--|\[CDATA\[)/;
const XML_DECLARATION = /^\s*<\?xml\s[^>]*\?>/;
const XML_DECLARATION_ENCODING = /^\s*<\?xml\s[^>]*?\bencoding\s*=\s*(["'])([^"']*)\1/;

/**
 * Runs before any XML parser sees the text: a DTD is how XXE (file and out-of-band) and entity
 * expansion (billion laughs) get in, so a document that declares one never reaches libxml2 or xmldom.
 */
export function refuseDtdAndOddEncodings(xml: string): void {
  if (MARKUP_DECLARATION.test(xml)) throw refused('saml.dtd_forbidden', 'markup declaration in request');
  // The text was decoded as UTF-8; a declaration claiming another encoding (or NULs from UTF-16)
  // would make the parsers disagree with what the DTD check above looked at.
  if (xml.includes('\u0000')) throw refused('saml.malformed_request', 'NUL character');
  const declared = XML_DECLARATION_ENCODING.exec(xml)?.[2];
  if (declared !== undefined && !/^utf-?8$/i.test(declared))
    throw refused('saml.malformed_request', 'only UTF-8 is accepted');
  // No SAML request needs a processing instruction, and xml-crypto's canonicalization renders one
  // as text: a PI could then read differently before and after verification.
  if (xml.replace(XML_DECLARATION, '').includes('<?'))
    throw refused('saml.malformed_request', 'processing instructions are not accepted');
}

/** xmldom, strict: anything it reports (warnings too) refuses the document instead of being repaired. */
export function parseDom(xml: string): Document {
  let problem: string | undefined;
  let doc: Document;
  try {
    doc = new DOMParser({
      onError: (level) => {
        problem ??= level;
      },
    }).parseFromString(xml, 'text/xml');
  } catch (cause) {
    throw refused('saml.malformed_request', 'not well-formed XML', cause);
  }
  if (problem !== undefined || !doc.documentElement)
    throw refused('saml.malformed_request', `not well-formed XML (${problem ?? 'no root element'})`);
  return doc;
}

export const isElement = (e: Element, ns: string, localName: string): boolean =>
  e.namespaceURI === ns && e.localName === localName;

export function childElements(parent: Element, ns?: string, localName?: string): Element[] {
  const out: Element[] = [];
  for (let n = parent.firstChild; n; n = n.nextSibling) {
    if (n.nodeType !== 1) continue; // ELEMENT_NODE
    const e = n as Element;
    if (ns === undefined || localName === undefined || isElement(e, ns, localName)) out.push(e);
  }
  return out;
}

export const firstChild = (parent: Element, ns: string, localName: string): Element | undefined =>
  childElements(parent, ns, localName)[0];

/** An attribute's value, or undefined when absent (an empty value is not absent). */
export const attr = (e: Element, name: string): string | undefined => e.getAttribute(name) ?? undefined;

/** Text content of an element, comments excluded: a comment can't truncate a value (CVE-2017-11427 class). */
export const textOf = (e: Element): string => (e.textContent ?? '').trim();

/** xs:boolean. */
export function booleanAttr(e: Element, name: string): boolean | undefined {
  // xs:boolean collapses whitespace, so the schema accepted " true " too.
  const v = attr(e, name)?.trim();
  if (v === undefined) return undefined;
  if (v === 'true' || v === '1') return true;
  if (v === 'false' || v === '0') return false;
  throw refused('saml.schema_invalid', `${name} is not an xs:boolean`);
}
