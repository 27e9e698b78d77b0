// A request signed for another IdP (or another of our endpoints) must not be replayable here, so a
// signed request must name this endpoint in Destination.
import { expect } from 'chai';
import {
  IDP_SLO,
  IDP_SSO,
  authnRequestXml,
  logoutRequestXml,
  post,
  redirect,
  redirectQuery,
  refusal,
  signXml,
  verifyAuthnRequest,
  verifyLogoutRequest,
  world,
  type World,
} from './support.js';

describe('security: SAML Destination mismatch or missing', function () {
  this.timeout(20_000);
  let w: World;
  before(async () => {
    w = await world();
  });
  const code = async (p: Promise<unknown>) => (await refusal(p)).code;

  it('refuses a signed AuthnRequest meant for another IdP with saml.destination_mismatch', async () => {
    const xml = signXml(authnRequestXml({ destination: 'https://other-idp.example.org/sso' }), {
      key: w.key,
    });
    expect(await code(verifyAuthnRequest(post(xml), w.ctx()))).to.equal('saml.destination_mismatch');
  });

  it('refuses a signed AuthnRequest without Destination with saml.destination_mismatch', async () => {
    const xml = signXml(authnRequestXml({ destination: null }), { key: w.key });
    expect(await code(verifyAuthnRequest(post(xml), w.ctx()))).to.equal('saml.destination_mismatch');
    const q = redirectQuery(authnRequestXml({ destination: null }), { key: w.key });
    expect(await code(verifyAuthnRequest(redirect(q), w.ctx()))).to.equal('saml.destination_mismatch');
  });

  it('refuses a request for our other binding or our SLO endpoint with saml.destination_mismatch', async () => {
    const toRedirect = signXml(authnRequestXml({ destination: IDP_SSO.redirect }), { key: w.key });
    expect(await code(verifyAuthnRequest(post(toRedirect), w.ctx()))).to.equal('saml.destination_mismatch');
    const toSlo = redirectQuery(authnRequestXml({ destination: IDP_SLO.redirect }), { key: w.key });
    expect(await code(verifyAuthnRequest(redirect(toSlo), w.ctx()))).to.equal('saml.destination_mismatch');
  });

  it('refuses a LogoutRequest with a wrong or missing Destination with saml.destination_mismatch', async () => {
    for (const destination of ['https://other-idp.example.org/slo', IDP_SSO.post, null]) {
      const xml = signXml(logoutRequestXml({ destination }), { key: w.key });
      expect(await code(verifyLogoutRequest(post(xml), w.ctx())), String(destination)).to.equal(
        'saml.destination_mismatch',
      );
    }
    const q = redirectQuery(logoutRequestXml({ destination: IDP_SLO.post }), { key: w.key });
    expect(await code(verifyLogoutRequest(redirect(q), w.ctx()))).to.equal('saml.destination_mismatch');
  });
});
