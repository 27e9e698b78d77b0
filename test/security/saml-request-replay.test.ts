// A captured request (signed or not) replayed within its validity window is refused by its ID,
// whichever binding carries it the second time.
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
  registeredSp,
  signXml,
  verifyAuthnRequest,
  verifyLogoutRequest,
  world,
  type World,
} from './support.js';

describe('security: SAML replayed request ID', function () {
  this.timeout(20_000);
  let w: World;
  before(async () => {
    w = await world();
  });

  it('refuses a replayed signed AuthnRequest with saml.request_replayed', async () => {
    const c = w.ctx();
    const xml = signXml(authnRequestXml({ id: '_captured' }), { key: w.key });
    await verifyAuthnRequest(post(xml), c);
    expect((await refusal(verifyAuthnRequest(post(xml), c))).code).to.equal('saml.request_replayed');
  });

  it('refuses the same ID when it comes back over the other binding', async () => {
    const c = w.ctx();
    await verifyAuthnRequest(post(signXml(authnRequestXml({ id: '_both' }), { key: w.key })), c);
    const q = redirectQuery(authnRequestXml({ id: '_both', destination: IDP_SSO.redirect }), { key: w.key });
    expect((await refusal(verifyAuthnRequest(redirect(q), c))).code).to.equal('saml.request_replayed');
  });

  it('refuses a replayed LogoutRequest with saml.request_replayed', async () => {
    const c = w.ctx();
    const q = redirectQuery(logoutRequestXml({ id: '_lo', destination: IDP_SLO.redirect }), { key: w.key });
    await verifyLogoutRequest(redirect(q), c);
    expect((await refusal(verifyLogoutRequest(redirect(q), c))).code).to.equal('saml.request_replayed');
  });

  it('keeps IDs per SP: another SP may use the same ID', async () => {
    const other = registeredSp({ entityId: 'https://other.example.org/sp', authnRequestsSigned: false });
    const c = w.ctx({}, [other]);
    await verifyAuthnRequest(post(signXml(authnRequestXml({ id: '_same' }), { key: w.key })), c);
    expect(
      (await verifyAuthnRequest(post(authnRequestXml({ id: '_same', issuer: other.entityId })), c)).id,
    ).to.equal('_same');
  });
});
