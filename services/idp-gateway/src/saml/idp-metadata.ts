import { BINDING, NAMEID_FORMAT } from '@idp/saml';
import { escapeAttr } from './response/canonical-xml.js';

export interface IdpEndpoints {
  entityId: string;
  ssoUrl: string;
  sloUrl: string;
}

/**
 * The IdP's SAML metadata. Built from fixed parts so it is byte-identical across restarts and
 * instances (SPs cache it and compare), and carries only what SPs need: the signing certificate
 * and the SSO/SLO endpoints for both bindings.
 */
export function idpMetadataXml(
  e: IdpEndpoints,
  o: { certBase64: string; wantAuthnRequestsSigned: boolean },
): string {
  const endpoint = (tag: string, url: string) =>
    [BINDING.redirect, BINDING.post]
      .map((b) => `    <md:${tag} Binding="${b}" Location="${escapeAttr(url)}"/>`)
      .join('\n');
  return `<?xml version="1.0" encoding="UTF-8"?>
<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" xmlns:ds="http://www.w3.org/2000/09/xmldsig#" entityID="${escapeAttr(e.entityId)}">
  <md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol" WantAuthnRequestsSigned="${o.wantAuthnRequestsSigned}">
    <md:KeyDescriptor use="signing">
      <ds:KeyInfo><ds:X509Data><ds:X509Certificate>${o.certBase64}</ds:X509Certificate></ds:X509Data></ds:KeyInfo>
    </md:KeyDescriptor>
${endpoint('SingleLogoutService', e.sloUrl)}
    <md:NameIDFormat>${NAMEID_FORMAT.persistent}</md:NameIDFormat>
    <md:NameIDFormat>${NAMEID_FORMAT.transient}</md:NameIDFormat>
${endpoint('SingleSignOnService', e.ssoUrl)}
  </md:IDPSSODescriptor>
</md:EntityDescriptor>
`;
}
