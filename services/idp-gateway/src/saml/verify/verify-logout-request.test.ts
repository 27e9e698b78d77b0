import { expect } from 'chai';
import { verifyLogoutRequest } from './verify-logout-request.js';
import {
  IDP_SLO,
  IDP_SSO,
  T0,
  logoutRequestXml,
  memoryContext,
  postEncode,
  redirectQuery,
  refusal,
  registeredSp,
  signXml,
  testKeyPair,
  type LogoutRequestOptions,
  type TestKeyPair,
} from './__fixtures__/saml-requests.js';
import type { RegisteredSp } from './types.js';

const minutes = (n: number) => new Date(T0.getTime() + n * 60_000).toISOString();

describe('saml/verify verifyLogoutRequest()', function () {
  this.timeout(20_000);
  let key: TestKeyPair;
  let signingSp: RegisteredSp;
  let keylessSp: RegisteredSp;
  before(async () => {
    key = await testKeyPair();
    // An SP whose metadata has a signing key must sign its LogoutRequests, whatever AuthnRequestsSigned says.
    signingSp = registeredSp({ keys: [key], authnRequestsSigned: false });
    keylessSp = registeredSp({ entityId: 'https://keyless.example.org/sp' });
  });
  const ctx = () => memoryContext([signingSp, keylessSp]);
  const signedPost = (o: LogoutRequestOptions = {}, relayState?: string) => ({
    binding: 'post' as const,
    samlRequest: postEncode(signXml(logoutRequestXml(o), { key })),
    ...(relayState === undefined ? {} : { relayState }),
  });
  const unsignedPost = (o: LogoutRequestOptions = {}) => ({
    binding: 'post' as const,
    samlRequest: postEncode(logoutRequestXml({ issuer: keylessSp.entityId, ...o })),
  });

  it('returns NameID, SessionIndexes and RelayState from a signed POST request', async () => {
    const r = await verifyLogoutRequest(
      signedPost(
        { id: '_lo', nameId: 'pairwise-abc', sessionIndexes: ['_s1', '_s2'], notOnOrAfter: minutes(5) },
        'back',
      ),
      ctx(),
    );
    expect(r).to.deep.include({
      binding: 'post',
      id: '_lo',
      destination: IDP_SLO.post,
      nameId: 'pairwise-abc',
      nameIdFormat: 'urn:oasis:names:tc:SAML:2.0:nameid-format:persistent',
      sessionIndexes: ['_s1', '_s2'],
      relayState: 'back',
      signed: true,
    });
    expect(r.sp).to.equal(signingSp);
  });

  it('accepts a signed Redirect request to the Redirect SLO endpoint', async () => {
    const rawQuery = redirectQuery(logoutRequestXml({ destination: IDP_SLO.redirect }), {
      key,
      relayState: 'r',
    });
    const r = await verifyLogoutRequest({ binding: 'redirect', rawQuery }, ctx());
    expect(r).to.deep.include({
      binding: 'redirect',
      destination: IDP_SLO.redirect,
      signed: true,
      relayState: 'r',
    });
  });

  it('accepts an unsigned request from an SP without a signing key', async () => {
    expect((await verifyLogoutRequest(unsignedPost(), ctx())).signed).to.equal(false);
  });

  it('requires a signature when the SP metadata has a signing key (saml.signature_required)', async () => {
    const e = await refusal(
      verifyLogoutRequest({ binding: 'post', samlRequest: postEncode(logoutRequestXml()) }, ctx()),
    );
    expect(e.code).to.equal('saml.signature_required');
  });

  it('refuses an unknown Issuer with saml.unknown_issuer', async () => {
    const e = await refusal(
      verifyLogoutRequest(unsignedPost({ issuer: 'https://nobody.example.org' }), ctx()),
    );
    expect(e.code).to.equal('saml.unknown_issuer');
  });

  it('requires Destination = our SLO endpoint, signed or not (saml.destination_mismatch)', async () => {
    for (const input of [
      signedPost({ destination: null }),
      signedPost({ destination: IDP_SSO.post }),
      unsignedPost({ destination: null }),
      unsignedPost({ destination: IDP_SLO.redirect }),
    ])
      expect((await refusal(verifyLogoutRequest(input, ctx()))).code).to.equal('saml.destination_mismatch');
  });

  it('refuses an IssueInstant out of the skew or an expired NotOnOrAfter with saml.issue_instant_out_of_range', async () => {
    for (const o of [
      { issueInstant: minutes(-1440) },
      { issueInstant: minutes(10) },
      { notOnOrAfter: minutes(-4) },
    ])
      expect((await refusal(verifyLogoutRequest(unsignedPost(o), ctx()))).code).to.equal(
        'saml.issue_instant_out_of_range',
      );
  });

  it('refuses a replayed ID with saml.request_replayed', async () => {
    const c = ctx();
    await verifyLogoutRequest(unsignedPost({ id: '_lo1' }), c);
    expect((await refusal(verifyLogoutRequest(unsignedPost({ id: '_lo1' }), c))).code).to.equal(
      'saml.request_replayed',
    );
  });

  it('refuses an EncryptedID instead of a plain NameID with saml.malformed_request', async () => {
    const xml = logoutRequestXml({ issuer: keylessSp.entityId }).replace(
      /<saml:NameID[^]*<\/saml:NameID>/,
      '<saml:EncryptedID><xenc:EncryptedData xmlns:xenc="http://www.w3.org/2001/04/xmlenc#"><xenc:CipherData><xenc:CipherValue>AA==</xenc:CipherValue></xenc:CipherData></xenc:EncryptedData></saml:EncryptedID>',
    );
    const e = await refusal(verifyLogoutRequest({ binding: 'post', samlRequest: postEncode(xml) }, ctx()));
    expect(e.code).to.equal('saml.malformed_request');
  });

  it('refuses RelayState over the SP limit with saml.relay_state_too_long', async () => {
    const e = await refusal(verifyLogoutRequest(signedPost({}, 'x'.repeat(81)), ctx()));
    expect(e.code).to.equal('saml.relay_state_too_long');
  });

  it('refuses an AuthnRequest sent to the SLO endpoint with saml.malformed_request', async () => {
    const xml = logoutRequestXml()
      .replace(/LogoutRequest/g, 'AuthnRequest')
      .replace(/<saml:NameID[^]*<\/samlp:AuthnRequest>/, '</samlp:AuthnRequest>');
    const e = await refusal(verifyLogoutRequest({ binding: 'post', samlRequest: postEncode(xml) }, ctx()));
    expect(e.code).to.equal('saml.malformed_request');
  });
});
