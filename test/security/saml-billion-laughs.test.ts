// Entity expansion ("billion laughs"): 10^9 copies of "lol" from a 1 KiB document. Refused by the
// DTD check before any parser could expand it.
import { expect } from 'chai';
import {
  IDP_SLO,
  IDP_SSO,
  fixture,
  post,
  redirect,
  redirectQuery,
  refusal,
  verifyAuthnRequest,
  verifyLogoutRequest,
  world,
  type World,
} from './support.js';

describe('security: SAML billion laughs', function () {
  this.timeout(20_000);
  let w: World;
  before(async () => {
    w = await world();
  });

  it('refuses the AuthnRequest over POST with saml.dtd_forbidden', async () => {
    const xml = fixture('invalid/authn-request.billion-laughs.xml');
    expect((await refusal(verifyAuthnRequest(post(xml), w.ctx()))).code).to.equal('saml.dtd_forbidden');
  });

  it('refuses the AuthnRequest over Redirect with saml.dtd_forbidden', async () => {
    const xml = fixture('invalid/authn-request.billion-laughs.xml', { DESTINATION: IDP_SSO.redirect });
    expect((await refusal(verifyAuthnRequest(redirect(redirectQuery(xml)), w.ctx()))).code).to.equal(
      'saml.dtd_forbidden',
    );
  });

  it('refuses a LogoutRequest built the same way with saml.dtd_forbidden', async () => {
    const xml = fixture('invalid/authn-request.billion-laughs.xml', { DESTINATION: IDP_SLO.post }).replace(
      /AuthnRequest/g,
      'LogoutRequest',
    );
    expect((await refusal(verifyLogoutRequest(post(xml), w.ctx()))).code).to.equal('saml.dtd_forbidden');
  });
});
