// A request from an SP that is not registered is refused before its signature is even looked at:
// there is no key to check it with and no ACS to answer to.
import { expect } from 'chai';
import {
  IDP_SLO,
  authnRequestXml,
  fixture,
  logoutRequestXml,
  post,
  refusal,
  signXml,
  verifyAuthnRequest,
  verifyLogoutRequest,
  world,
  type World,
} from './support.js';

describe('security: SAML unknown Issuer', function () {
  this.timeout(20_000);
  let w: World;
  before(async () => {
    w = await world();
  });

  it('refuses an AuthnRequest from an unregistered entity (signed by it) with saml.unknown_issuer', async () => {
    const xml = signXml(authnRequestXml({ issuer: 'https://evil.example.net/sp' }), { key: w.attacker });
    expect((await refusal(verifyAuthnRequest(post(xml), w.ctx()))).code).to.equal('saml.unknown_issuer');
  });

  it('refuses an AuthnRequest without Issuer with saml.unknown_issuer', async () => {
    expect(
      (await refusal(verifyAuthnRequest(post(authnRequestXml({ issuer: null })), w.ctx()))).code,
    ).to.equal('saml.unknown_issuer');
  });

  it('refuses a near miss of a registered entityID (case, trailing slash) with saml.unknown_issuer', async () => {
    for (const issuer of ['https://SP.example.org/saml', 'https://sp.example.org/saml/'])
      expect(
        (
          await refusal(
            verifyAuthnRequest(post(fixture('valid/authn-request.minimal.xml', { ISSUER: issuer })), w.ctx()),
          )
        ).code,
      ).to.equal('saml.unknown_issuer');
  });

  it('refuses a LogoutRequest from an unregistered entity with saml.unknown_issuer', async () => {
    const xml = fixture('valid/logout-request.xml', {
      ISSUER: 'https://evil.example.net/sp',
      DESTINATION: IDP_SLO.post,
    });
    expect((await refusal(verifyLogoutRequest(post(xml), w.ctx()))).code).to.equal('saml.unknown_issuer');
    const signed = signXml(logoutRequestXml({ issuer: 'https://evil.example.net/sp' }), { key: w.attacker });
    expect((await refusal(verifyLogoutRequest(post(signed), w.ctx()))).code).to.equal('saml.unknown_issuer');
  });
});
