import { expect } from 'chai';
import { DomainError } from '@idp/events';
import { loadSamlSchemas, validateAgainstSamlSchema } from './schema.js';
import { authnRequestXml, logoutRequestXml } from './__fixtures__/saml-requests.js';

const codeOf = (fn: () => unknown): string | undefined => {
  try {
    fn();
    return undefined;
  } catch (e) {
    if (e instanceof DomainError) return e.code;
    throw e;
  }
};

describe('saml/verify validateAgainstSamlSchema()', () => {
  before(() => loadSamlSchemas());

  it('accepts valid AuthnRequests and LogoutRequests', () => {
    const full = authnRequestXml({
      acsUrl: 'https://sp.example.org/acs',
      protocolBinding: 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST',
      forceAuthn: true,
      nameIdFormat: 'urn:oasis:names:tc:SAML:2.0:nameid-format:persistent',
      allowCreate: true,
      requestedAuthnContext: { comparison: 'minimum', classRefs: ['http://eidas.europa.eu/LoA/high'] },
    });
    for (const xml of [authnRequestXml(), full, logoutRequestXml()])
      expect(codeOf(() => validateAgainstSamlSchema(xml))).to.equal(undefined);
  });

  it('is not a validator that accepts everything: invalid documents get saml.schema_invalid', () => {
    for (const xml of [
      authnRequestXml({ version: '' }).replace(' Version=""', ''), // required attribute missing
      authnRequestXml({ afterIssuer: '<samlp:Bogus/>' }), // unknown element
      authnRequestXml({ issueInstant: 'yesterday' }), // not an xs:dateTime
      authnRequestXml({ forceAuthn: 'maybe' as unknown as boolean }), // not an xs:boolean
      authnRequestXml({ nameIdFormat: 'x' }).replace('<samlp:NameIDPolicy', '<samlp:NameIDPolicy Bogus="1"'),
      authnRequestXml({ requestedAuthnContext: { comparison: 'sideways', classRefs: ['x'] } }),
      authnRequestXml({ id: '1-not-an-NCName' }),
      logoutRequestXml().replace(/<saml:NameID[^]*<\/saml:NameID>/, ''), // no identifier
      '<x:Anything xmlns:x="urn:example"/>',
    ])
      expect(
        codeOf(() => validateAgainstSamlSchema(xml)),
        xml,
      ).to.equal('saml.schema_invalid');
  });

  it('refuses XML that does not parse with saml.malformed_request', () => {
    expect(codeOf(() => validateAgainstSamlSchema('<samlp:AuthnRequest'))).to.equal('saml.malformed_request');
  });

  it('validates the enveloped Signature against the xmldsig schema too', () => {
    const xml = authnRequestXml({
      afterIssuer:
        '<ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:SignatureValue>AA==</ds:SignatureValue></ds:Signature>',
    });
    expect(codeOf(() => validateAgainstSamlSchema(xml))).to.equal('saml.schema_invalid');
  });
});
