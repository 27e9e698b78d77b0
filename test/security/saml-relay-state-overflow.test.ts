// RelayState is opaque data we echo back to the SP; SAML allows 80 bytes. Longer values are refused
// (a per-SP setting may allow up to 1 KiB for legacy SPs, never more).
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

describe('security: SAML RelayState over 80 bytes', function () {
  this.timeout(20_000);
  let w: World;
  before(async () => {
    w = await world();
  });
  const signedPost = (relayState: string) => post(signXml(authnRequestXml(), { key: w.key }), relayState);
  const signedRedirect = (relayState: string) =>
    redirect(redirectQuery(authnRequestXml({ destination: IDP_SSO.redirect }), { key: w.key, relayState }));

  it('accepts 80 bytes and refuses 81 over POST and Redirect with saml.relay_state_too_long', async () => {
    expect((await verifyAuthnRequest(signedPost('x'.repeat(80)), w.ctx())).relayState).to.have.length(80);
    expect((await verifyAuthnRequest(signedRedirect('x'.repeat(80)), w.ctx())).relayState).to.have.length(80);
    expect((await refusal(verifyAuthnRequest(signedPost('x'.repeat(81)), w.ctx()))).code).to.equal(
      'saml.relay_state_too_long',
    );
    expect((await refusal(verifyAuthnRequest(signedRedirect('x'.repeat(81)), w.ctx()))).code).to.equal(
      'saml.relay_state_too_long',
    );
  });

  it('counts UTF-8 bytes, not characters', async () => {
    expect((await refusal(verifyAuthnRequest(signedPost('ž'.repeat(41)), w.ctx()))).code).to.equal(
      'saml.relay_state_too_long',
    );
  });

  it('allows up to 1 KiB for an SP whose policy says so, and never more', async () => {
    for (const max of [1024, 4096]) {
      const legacy = registeredSp({ keys: [w.key], policy: { relayStateMaxBytes: max } });
      const c = () => w.ctx({ lookupSp: () => legacy });
      expect((await verifyAuthnRequest(signedPost('x'.repeat(1024)), c())).relayState).to.have.length(1024);
      expect((await refusal(verifyAuthnRequest(signedPost('x'.repeat(1025)), c()))).code).to.equal(
        'saml.relay_state_too_long',
      );
    }
  });

  it('refuses an overlong RelayState on a LogoutRequest with saml.relay_state_too_long', async () => {
    const q = redirectQuery(logoutRequestXml({ destination: IDP_SLO.redirect }), {
      key: w.key,
      relayState: 'x'.repeat(81),
    });
    expect((await refusal(verifyLogoutRequest(redirect(q), w.ctx()))).code).to.equal(
      'saml.relay_state_too_long',
    );
  });
});
