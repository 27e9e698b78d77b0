import type { TestCertificate } from '@idp/testing';

/** SP metadata for tests, with the parts a test varies. */
export function spMetadataXml(o: {
  entityId?: string;
  cert?: TestCertificate;
  acs?: string;
  signed?: boolean;
  extra?: string;
  validUntil?: string;
}): string {
  const entityId = o.entityId ?? 'https://sp.example.org/saml';
  const key = o.cert
    ? `<md:KeyDescriptor use="signing"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>${o.cert.certBase64}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>`
    : '';
  return `<?xml version="1.0"?>
<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" xmlns:ds="http://www.w3.org/2000/09/xmldsig#" entityID="${entityId}"${o.validUntil ? ` validUntil="${o.validUntil}"` : ''}>
  <md:SPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol" AuthnRequestsSigned="${o.signed ? 'true' : 'false'}" WantAssertionsSigned="true">
    ${key}
    <md:SingleLogoutService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="https://sp.example.org/saml/slo"/>
    <md:NameIDFormat>urn:oasis:names:tc:SAML:2.0:nameid-format:persistent</md:NameIDFormat>
    <md:AssertionConsumerService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="${o.acs ?? 'https://sp.example.org/saml/acs'}" index="0" isDefault="true"/>
    <md:AssertionConsumerService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Artifact" Location="https://sp.example.org/saml/artifact" index="1"/>
    ${o.extra ?? ''}
  </md:SPSSODescriptor>
</md:EntityDescriptor>`;
}
