import { existsSync, readFileSync } from 'node:fs';
import {
  ParseOption,
  XmlBufferInputProvider,
  XmlDocument,
  XmlValidateError,
  XsdValidator,
  xmlCleanupInputProvider,
  xmlRegisterInputProvider,
} from 'libxml2-wasm';
import { refused } from './errors.js';

const SCHEMA_FILES = [
  'saml-schema-protocol-2.0.xsd',
  'saml-schema-assertion-2.0.xsd',
  'xmldsig-core-schema.xsd',
  'xenc-schema.xsd',
] as const;

// From source (tsx) the schemas sit next to this file; tsc does not copy them into dist/, so the
// built module reads them from the source tree it was compiled from.
const SCHEMA_DIRS = [
  new URL('./schemas/', import.meta.url),
  new URL('../../../src/saml/verify/schemas/', import.meta.url),
];

// No network, no external entities: the input has already been refused if it declares a DTD, and
// these make sure libxml2 would not fetch anything even if that check were bypassed.
const INPUT_PARSE_OPTIONS = ParseOption.XML_PARSE_NONET | ParseOption.XML_PARSE_NO_XXE;

let validator: XsdValidator | undefined;
const keptAlive: XmlDocument[] = [];

function compile(): XsdValidator {
  const dir = SCHEMA_DIRS.find((d) => existsSync(new URL(SCHEMA_FILES[0], d)));
  if (!dir) throw new Error('SAML XSD schemas not found next to the request verifier');
  const files: Record<string, Uint8Array> = {};
  for (const f of SCHEMA_FILES) files[f] = readFileSync(new URL(f, dir));
  // The imports between the schemas (schemaLocation="xmldsig-core-schema.xsd", ...) resolve through
  // this in-memory provider only while compiling; it is removed again so no later parse can read
  // anything through it.
  xmlRegisterInputProvider(new XmlBufferInputProvider(files));
  try {
    // Kept for the life of the process: libxml2 may point into the schema document from the
    // compiled schema, so freeing it would risk a use-after-free inside the wasm heap.
    const schemaDocument = XmlDocument.fromBuffer(files[SCHEMA_FILES[0]]!, {
      url: SCHEMA_FILES[0],
      option: INPUT_PARSE_OPTIONS,
    });
    keptAlive.push(schemaDocument);
    return XsdValidator.fromDoc(schemaDocument);
  } finally {
    xmlCleanupInputProvider();
  }
}

/**
 * Compiles the SAML 2.0 protocol schema (with assertion, xmldsig and xenc) once; every request is
 * then validated against the same compiled object (~0.03 ms for an AuthnRequest). Call at start-up
 * so a broken schema stops the gateway instead of the first login.
 */
export function loadSamlSchemas(): void {
  validator ??= compile();
}

/** Refuses a document that is not a schema-valid SAML protocol message. */
export function validateAgainstSamlSchema(xml: string): void {
  loadSamlSchemas();
  let doc: XmlDocument;
  try {
    doc = XmlDocument.fromString(xml, { option: INPUT_PARSE_OPTIONS });
  } catch (cause) {
    throw refused('saml.malformed_request', 'not well-formed XML', cause);
  }
  try {
    validator!.validate(doc);
  } catch (cause) {
    if (cause instanceof XmlValidateError)
      throw refused('saml.schema_invalid', 'not a valid SAML 2.0 message');
    throw cause;
  } finally {
    doc.dispose();
  }
}
