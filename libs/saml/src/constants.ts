export const NS = {
  md: 'urn:oasis:names:tc:SAML:2.0:metadata',
  ds: 'http://www.w3.org/2000/09/xmldsig#',
  saml: 'urn:oasis:names:tc:SAML:2.0:assertion',
  samlp: 'urn:oasis:names:tc:SAML:2.0:protocol',
} as const;

export const PROTOCOL_SAML2 = 'urn:oasis:names:tc:SAML:2.0:protocol';

export const BINDING = {
  post: 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST',
  redirect: 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect',
} as const;

export const NAMEID_FORMAT = {
  persistent: 'urn:oasis:names:tc:SAML:2.0:nameid-format:persistent',
  transient: 'urn:oasis:names:tc:SAML:2.0:nameid-format:transient',
  unspecified: 'urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified',
} as const;

/** eIDAS levels of assurance, used as AuthnContextClassRef. */
export const LOA_URI = {
  low: 'http://eidas.europa.eu/LoA/low',
  substantial: 'http://eidas.europa.eu/LoA/substantial',
  high: 'http://eidas.europa.eu/LoA/high',
} as const;
export type Loa = keyof typeof LOA_URI;
export const LOA_ORDER: readonly Loa[] = ['low', 'substantial', 'high'];

/**
 * Attributes an SP may be released, with their SAML names (SI-PASS OIDs, NameFormat uri) and
 * FriendlyNames. The key is what operators write in a policy and on the command line.
 */
export const ATTRIBUTES = {
  given_name: { name: 'urn:oid:1.3.6.1.4.1.44044.1.1.1.6', friendlyName: 'firstName' },
  family_name: { name: 'urn:oid:1.3.6.1.4.1.44044.1.1.1.7', friendlyName: 'surname' },
  tax_number: { name: 'urn:oid:1.3.6.1.4.1.44044.1.1.1.2', friendlyName: 'vatNumber' },
  birth_date: { name: 'urn:oid:1.3.6.1.4.1.44044.1.1.1.11', friendlyName: 'birthDate' },
  email: { name: 'urn:oid:1.3.6.1.4.1.44044.1.1.1.14', friendlyName: 'email' },
  emso: { name: 'urn:oid:1.3.6.1.4.1.44044.1.1.1.1', friendlyName: 'emso' },
  address: { name: 'urn:oid:1.3.6.1.4.1.44044.1.1.1.5', friendlyName: 'address' },
} as const;
export type AttributeKey = keyof typeof ATTRIBUTES;
export const ATTRIBUTE_KEYS = Object.keys(ATTRIBUTES) as AttributeKey[];
