import { X509Certificate } from 'node:crypto';
import type { Element } from '@xmldom/xmldom';
import { BINDING, NS, PROTOCOL_SAML2 } from './constants.js';
import { childElements, descendants, parseXml, text, XmlError } from './xml.js';

export type Binding = 'post' | 'redirect';

export interface Endpoint {
  binding: Binding;
  url: string;
}

/** What the gateway trusts about an SP: only what its registered metadata says. */
export interface SpMetadata {
  entityId: string;
  /** PEM; used to verify AuthnRequest/LogoutRequest signatures. KeyInfo in messages is never trusted. */
  signingCertificates: string[];
  encryptionCertificates: string[];
  authnRequestsSigned: boolean;
  wantAssertionsSigned: boolean;
  assertionConsumerServices: { index: number; url: string; binding: Binding; isDefault: boolean }[];
  singleLogoutServices: { url: string; binding: Binding; responseUrl?: string }[];
  nameIdFormats: string[];
  validUntil?: string;
}

/** Everything wrong with a metadata document, so the operator fixes it in one go. */
export class MetadataError extends Error {
  override name = 'MetadataError';
  constructor(readonly problems: string[]) {
    super(`invalid SP metadata:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

const MAX_METADATA_BYTES = 1024 * 1024;
const bindingOf = (urn: string | null): Binding | undefined =>
  urn === BINDING.post ? 'post' : urn === BINDING.redirect ? 'redirect' : undefined;

export interface ParseOptions {
  /** Plain-http endpoints are accepted only for loopback hosts unless this is set (tests, development). */
  allowInsecureUrls?: boolean;
  now?: Date;
}

function checkUrl(raw: string | null, what: string, o: ParseOptions, problems: string[]): string | undefined {
  if (!raw) {
    problems.push(`${what} has no Location`);
    return undefined;
  }
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    problems.push(`${what} Location is not an absolute URL: ${raw}`);
    return undefined;
  }
  const loopback = ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && (loopback || o.allowInsecureUrls))) {
    problems.push(`${what} Location must use https: ${raw}`);
    return undefined;
  }
  if (url.hash) problems.push(`${what} Location must not have a fragment: ${raw}`);
  return raw;
}

function toPem(base64: string): string {
  const body = base64.replace(/\s+/g, '');
  return `-----BEGIN CERTIFICATE-----\n${body.match(/.{1,64}/g)?.join('\n') ?? ''}\n-----END CERTIFICATE-----\n`;
}

/**
 * Parses and checks an SP's SAML metadata (one EntityDescriptor with an SPSSODescriptor). Throws
 * {@link MetadataError} listing every problem found.
 */
export function parseSpMetadata(xml: string, o: ParseOptions = {}): SpMetadata {
  let root: Element;
  try {
    root = parseXml(xml, MAX_METADATA_BYTES).documentElement!;
  } catch (err) {
    throw new MetadataError([err instanceof XmlError ? err.message : String(err)]);
  }
  const problems: string[] = [];
  if (root.namespaceURI !== NS.md || root.localName !== 'EntityDescriptor') {
    throw new MetadataError([
      root.localName === 'EntitiesDescriptor'
        ? 'an EntitiesDescriptor holds several entities: register each SP by its own EntityDescriptor'
        : `root element must be md:EntityDescriptor, found ${root.tagName}`,
    ]);
  }
  const entityId = root.getAttribute('entityID') ?? '';
  if (!entityId) problems.push('EntityDescriptor has no entityID');
  else if (entityId.length > 1024) problems.push('entityID is longer than 1024 characters');
  const validUntil = root.getAttribute('validUntil') || undefined;
  if (validUntil && !(Date.parse(validUntil) > (o.now ?? new Date()).getTime()))
    problems.push(`metadata expired (validUntil ${validUntil})`);

  const sso = childElements(root, NS.md, 'SPSSODescriptor');
  if (sso.length !== 1)
    throw new MetadataError([...problems, `expected one SPSSODescriptor, found ${sso.length}`]);
  const sp = sso[0]!;
  if (!(sp.getAttribute('protocolSupportEnumeration') ?? '').split(/\s+/).includes(PROTOCOL_SAML2)) {
    problems.push('SPSSODescriptor does not list the SAML 2.0 protocol in protocolSupportEnumeration');
  }

  const signingCertificates: string[] = [];
  const encryptionCertificates: string[] = [];
  for (const kd of childElements(sp, NS.md, 'KeyDescriptor')) {
    const use = kd.getAttribute('use') || '';
    for (const c of descendants(kd, NS.ds, 'X509Certificate')) {
      const pem = toPem(text(c));
      try {
        const cert = new X509Certificate(pem);
        if (Date.parse(cert.validTo) < (o.now ?? new Date()).getTime())
          problems.push(`certificate ${cert.subject.replace(/\n/g, ', ')} expired on ${cert.validTo}`);
      } catch {
        problems.push('a KeyDescriptor holds an X509Certificate that does not parse');
        continue;
      }
      if (use === '' || use === 'signing') signingCertificates.push(pem);
      if (use === '' || use === 'encryption') encryptionCertificates.push(pem);
    }
  }
  const authnRequestsSigned = sp.getAttribute('AuthnRequestsSigned') === 'true';
  if (authnRequestsSigned && signingCertificates.length === 0)
    problems.push('AuthnRequestsSigned="true" but no signing certificate is given');

  const assertionConsumerServices: SpMetadata['assertionConsumerServices'] = [];
  const indexes = new Set<number>();
  for (const acs of childElements(sp, NS.md, 'AssertionConsumerService')) {
    const binding = bindingOf(acs.getAttribute('Binding'));
    const index = Number(acs.getAttribute('index'));
    if (!Number.isInteger(index) || index < 0) {
      problems.push(
        `AssertionConsumerService has an invalid index ${JSON.stringify(acs.getAttribute('index'))}`,
      );
      continue;
    }
    if (indexes.has(index)) problems.push(`AssertionConsumerService index ${index} is used twice`);
    indexes.add(index);
    // Responses are delivered by an auto-submitting form: only HTTP-POST endpoints can receive them.
    if (binding !== 'post') continue;
    const url = checkUrl(acs.getAttribute('Location'), `AssertionConsumerService ${index}`, o, problems);
    if (url)
      assertionConsumerServices.push({
        index,
        url,
        binding,
        isDefault: acs.getAttribute('isDefault') === 'true',
      });
  }
  if (assertionConsumerServices.length === 0)
    problems.push('no AssertionConsumerService with the HTTP-POST binding');
  if (assertionConsumerServices.filter((a) => a.isDefault).length > 1)
    problems.push('more than one AssertionConsumerService is marked isDefault');

  const singleLogoutServices: SpMetadata['singleLogoutServices'] = [];
  for (const slo of childElements(sp, NS.md, 'SingleLogoutService')) {
    const binding = bindingOf(slo.getAttribute('Binding'));
    if (!binding) continue;
    const url = checkUrl(slo.getAttribute('Location'), 'SingleLogoutService', o, problems);
    const responseLocation = slo.getAttribute('ResponseLocation');
    const responseUrl = responseLocation
      ? checkUrl(responseLocation, 'SingleLogoutService ResponseLocation', o, problems)
      : undefined;
    if (url) singleLogoutServices.push({ url, binding, ...(responseUrl ? { responseUrl } : {}) });
  }
  const nameIdFormats = childElements(sp, NS.md, 'NameIDFormat').map(text);

  if (problems.length > 0) throw new MetadataError(problems);
  return {
    entityId,
    signingCertificates,
    encryptionCertificates,
    authnRequestsSigned,
    wantAssertionsSigned: sp.getAttribute('WantAssertionsSigned') === 'true',
    assertionConsumerServices: assertionConsumerServices.sort((a, b) => a.index - b.index),
    singleLogoutServices,
    nameIdFormats,
    ...(validUntil ? { validUntil } : {}),
  };
}
