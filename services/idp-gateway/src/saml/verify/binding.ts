import { inflateRawSync } from 'node:zlib';
import { refused } from './errors.js';
import type { SamlBinding, SamlRequestInput } from './types.js';

/** Largest request XML we accept, after inflating or base64-decoding. Real requests are ~1-4 KiB. */
export const MAX_XML_BYTES = 64 * 1024;
/** Node's HTTP parser refuses longer request heads anyway; this keeps the verifier safe on its own. */
const MAX_QUERY_CHARS = 16 * 1024;
/** Base64 of MAX_XML_BYTES plus line breaks some SPs insert every 64 or 76 characters. */
const MAX_POST_CHARS = Math.ceil((MAX_XML_BYTES * 4) / 3) + 4096;

/** The detached signature of an HTTP-Redirect message, with the exact octets it covers. */
export interface DetachedSignature {
  sigAlg: string;
  signature: Buffer;
  signedOctets: Buffer;
}

export interface DecodedRequest {
  binding: SamlBinding;
  xml: string;
  relayState?: string;
  /** Redirect only; present when the query carried a Signature. */
  detached?: DetachedSignature;
}

const DEFLATE_ENCODING = 'urn:oasis:names:tc:SAML:2.0:bindings:URL-Encoding:DEFLATE';
const REDIRECT_PARAMS = ['SAMLRequest', 'RelayState', 'SigAlg', 'Signature', 'SAMLEncoding'] as const;
type RedirectParam = (typeof REDIRECT_PARAMS)[number];
const isRedirectParam = (s: string): s is RedirectParam => (REDIRECT_PARAMS as readonly string[]).includes(s);

// Printable ASCII only: a compliant SP percent-encodes everything else, and any other character would
// force a guess about which octets the SP signed.
const RAW_QUERY = /^[\x21-\x7e]*$/;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/**
 * Splits the query on `&` and `=` without decoding or re-encoding anything: the Redirect signature
 * covers the parameters exactly as the SP encoded them (SAML Bindings 3.4.4.1), and a decode/encode
 * round trip would let a re-encoded query verify or a correctly signed one fail.
 */
function splitRawQuery(rawQuery: string): Partial<Record<RedirectParam, string>> {
  const query = rawQuery.startsWith('?') ? rawQuery.slice(1) : rawQuery;
  if (query.length > MAX_QUERY_CHARS) throw refused('saml.too_large', 'query string too long');
  if (!RAW_QUERY.test(query))
    throw refused('saml.malformed_request', 'query string is not URL-encoded ASCII');
  const params: Partial<Record<RedirectParam, string>> = {};
  for (const pair of query.split('&')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    const name = eq < 0 ? pair : pair.slice(0, eq);
    if (!isRedirectParam(name)) continue;
    // Two values for one parameter: which one was signed and which one is used would be a guess.
    if (params[name] !== undefined) throw refused('saml.malformed_request', `${name} given twice`);
    params[name] = eq < 0 ? '' : pair.slice(eq + 1);
  }
  return params;
}

function percentDecode(raw: string, what: string, plusIsSpace: boolean): string {
  try {
    return decodeURIComponent(plusIsSpace ? raw.replace(/\+/g, ' ') : raw);
  } catch (cause) {
    throw refused('saml.malformed_request', `${what} is not valid percent-encoding`, cause);
  }
}

/** Strict base64: Buffer.from(…, 'base64') silently skips invalid characters, which hides tampering. */
export function decodeBase64(text: string, what: string, maxBytes: number): Buffer {
  const compact = text.replace(/[\r\n\t ]/g, '');
  if ((compact.length / 4) * 3 > maxBytes + 2) throw refused('saml.too_large', `${what} too large`);
  if (compact.length === 0 || compact.length % 4 !== 0 || !BASE64.test(compact))
    throw refused('saml.malformed_request', `${what} is not base64`);
  return Buffer.from(compact, 'base64');
}

const utf8 = new TextDecoder('utf-8', { fatal: true });
function decodeUtf8(bytes: Uint8Array): string {
  try {
    return utf8.decode(bytes);
  } catch (cause) {
    throw refused('saml.malformed_request', 'request is not UTF-8', cause);
  }
}

/**
 * Raw DEFLATE with a hard output cap: zlib stops at MAX_XML_BYTES and throws, so a deflate bomb
 * costs at most that much memory and the time to produce it.
 */
function inflateCapped(deflated: Buffer): Buffer {
  try {
    return inflateRawSync(deflated, { maxOutputLength: MAX_XML_BYTES });
  } catch (cause) {
    if ((cause as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE')
      throw refused('saml.too_large', 'inflated request too large');
    throw refused('saml.malformed_request', 'SAMLRequest is not raw DEFLATE', cause);
  }
}

function decodeRedirect(rawQuery: string): DecodedRequest {
  const p = splitRawQuery(rawQuery);
  if (p.SAMLRequest === undefined || p.SAMLRequest === '')
    throw refused('saml.malformed_request', 'SAMLRequest missing');
  if (
    p.SAMLEncoding !== undefined &&
    percentDecode(p.SAMLEncoding, 'SAMLEncoding', true) !== DEFLATE_ENCODING
  )
    throw refused('saml.unsupported_binding', 'only the DEFLATE encoding is supported');

  let detached: DetachedSignature | undefined;
  if (p.Signature !== undefined || p.SigAlg !== undefined) {
    if (p.Signature === undefined || p.SigAlg === undefined)
      throw refused('saml.signature_invalid', 'Signature and SigAlg must come together');
    // The signed octets are fixed here, from the parameters as received, before anything is
    // decoded or inflated (SAML Bindings 3.4.4.1). RelayState is covered whenever it is present.
    const signedOctets =
      `SAMLRequest=${p.SAMLRequest}` +
      (p.RelayState === undefined ? '' : `&RelayState=${p.RelayState}`) +
      `&SigAlg=${p.SigAlg}`;
    detached = {
      sigAlg: percentDecode(p.SigAlg, 'SigAlg', false),
      signature: decodeBase64(percentDecode(p.Signature, 'Signature', false), 'Signature', 2048),
      signedOctets: Buffer.from(signedOctets, 'ascii'),
    };
  }

  // A literal "+" in a base64 value can only be a base64 "+" (base64 has no spaces), so it is not
  // read as a form-encoded space.
  const deflated = decodeBase64(
    percentDecode(p.SAMLRequest, 'SAMLRequest', false),
    'SAMLRequest',
    MAX_XML_BYTES,
  );
  const xml = decodeUtf8(inflateCapped(deflated));
  const relayState = p.RelayState === undefined ? undefined : percentDecode(p.RelayState, 'RelayState', true);
  return {
    binding: 'redirect',
    xml,
    ...(relayState === undefined ? {} : { relayState }),
    ...(detached ? { detached } : {}),
  };
}

function decodePost(samlRequest: string, relayState: string | undefined): DecodedRequest {
  if (samlRequest.length > MAX_POST_CHARS) throw refused('saml.too_large', 'SAMLRequest too large');
  const xml = decodeUtf8(decodeBase64(samlRequest, 'SAMLRequest', MAX_XML_BYTES));
  return { binding: 'post', xml, ...(relayState === undefined ? {} : { relayState }) };
}

/** Undoes the binding's transport encoding; nothing here trusts or interprets the XML yet. */
export function decodeBinding(input: SamlRequestInput): DecodedRequest {
  switch (input.binding) {
    case 'redirect':
      return decodeRedirect(input.rawQuery);
    case 'post':
      return decodePost(input.samlRequest, input.relayState);
    default:
      throw refused('saml.unsupported_binding', 'unknown binding');
  }
}
