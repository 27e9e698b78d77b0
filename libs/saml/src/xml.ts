import { DOMParser, type Document, type Element } from '@xmldom/xmldom';

/** Refused before any parser runs: DTDs are how XXE and entity-expansion attacks get in. */
export const hasDoctype = (xml: string): boolean => /<!DOCTYPE|<!ENTITY/i.test(xml);

export class XmlError extends Error {
  override name = 'XmlError';
}

/** Parses untrusted XML: no DTD, a size cap, and any parser complaint is an error (not a warning). */
export function parseXml(xml: string, maxBytes: number): Document {
  if (Buffer.byteLength(xml, 'utf8') > maxBytes) throw new XmlError(`document larger than ${maxBytes} bytes`);
  if (hasDoctype(xml)) throw new XmlError('DOCTYPE and ENTITY declarations are not allowed');
  const problems: string[] = [];
  const doc = new DOMParser({
    onError: (level, message) => {
      if (level !== 'warning') problems.push(message);
    },
  }).parseFromString(xml, 'text/xml');
  if (problems.length > 0 || !doc.documentElement)
    throw new XmlError(`not well-formed XML: ${problems[0] ?? 'no root element'}`);
  return doc;
}

export const childElements = (parent: Element, ns: string, localName: string): Element[] => {
  const out: Element[] = [];
  for (let n = parent.firstChild; n; n = n.nextSibling) {
    if (n.nodeType === 1) {
      const e = n as Element;
      if (e.namespaceURI === ns && e.localName === localName) out.push(e);
    }
  }
  return out;
};

export const descendants = (parent: Element, ns: string, localName: string): Element[] =>
  Array.from(parent.getElementsByTagNameNS(ns, localName));

export const text = (e: Element): string => (e.textContent ?? '').trim();
