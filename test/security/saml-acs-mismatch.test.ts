// The assertion goes only to an ACS from the SP's registered metadata. A correctly signed request
// naming any other URL is refused: an SP key leak or a confused SP must not turn us into an open
// redirector for assertions.
import { expect } from 'chai';
import {
  ACS_URL,
  BINDING_URI,
  authnRequestXml,
  fixture,
  post,
  refusal,
  signXml,
  verifyAuthnRequest,
  world,
  type AuthnRequestOptions,
  type World,
} from './support.js';

describe('security: SAML ACS URL not in metadata', function () {
  this.timeout(20_000);
  let w: World;
  before(async () => {
    w = await world();
  });
  const signed = (o: AuthnRequestOptions) => post(signXml(authnRequestXml(o), { key: w.key }));

  for (const acsUrl of [
    'https://attacker.example.net/acs',
    `${ACS_URL}/../../attacker`,
    `${ACS_URL}?next=https://attacker.example.net`,
    `${ACS_URL}#x`,
    ACS_URL.replace('https:', 'http:'),
    `${ACS_URL} `,
  ]) {
    it(`refuses a signed request for ${JSON.stringify(acsUrl)} with saml.acs_not_registered`, async () => {
      const c = w.ctx();
      expect(
        (await refusal(verifyAuthnRequest(signed({ acsUrl, protocolBinding: BINDING_URI.post }), c))).code,
      ).to.equal('saml.acs_not_registered');
      expect(c.seen.size).to.equal(0);
    });
  }

  it('refuses an index the metadata does not have with saml.acs_not_registered', async () => {
    expect((await refusal(verifyAuthnRequest(signed({ acsIndex: 42 }), w.ctx()))).code).to.equal(
      'saml.acs_not_registered',
    );
  });

  it('refuses an Artifact ACS (by index or ProtocolBinding) with saml.unsupported_binding', async () => {
    for (const o of [
      { acsIndex: 2 },
      { acsUrl: 'https://sp.example.org/saml/artifact', protocolBinding: BINDING_URI.artifact },
    ])
      expect((await refusal(verifyAuthnRequest(signed(o), w.ctx()))).code).to.equal(
        'saml.unsupported_binding',
      );
  });

  it('sanity: the registered ACS by URL, by index, and by default', async () => {
    const typical = signXml(fixture('valid/authn-request.typical.xml'), { key: w.key });
    expect((await verifyAuthnRequest(post(typical), w.ctx())).acsUrl).to.equal(ACS_URL);
    const byIndex = signXml(fixture('valid/authn-request.acs-index.default-namespace.xml'), { key: w.key });
    expect((await verifyAuthnRequest(post(byIndex), w.ctx())).acsUrl).to.equal(
      'https://sp.example.org/saml/acs-legacy',
    );
    expect((await verifyAuthnRequest(signed({}), w.ctx())).acsUrl).to.equal(ACS_URL);
  });
});
