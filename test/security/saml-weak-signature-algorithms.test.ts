// SHA-1 (collisions) and HMAC (whose "key" would be the SP's public certificate: key confusion) are
// refused in both bindings, before any key is tried.
import { expect } from 'chai';
import {
  ALG,
  IDP_SLO,
  IDP_SSO,
  authnRequestXml,
  logoutRequestXml,
  post,
  redirect,
  redirectQuery,
  refusal,
  signXml,
  urlEncode,
  verifyAuthnRequest,
  verifyLogoutRequest,
  world,
  type World,
} from './support.js';

describe('security: SAML SHA-1 and HMAC signatures', function () {
  this.timeout(20_000);
  let w: World;
  before(async () => {
    w = await world();
  });

  describe('HTTP-POST (enveloped)', () => {
    it('refuses RSA-SHA1 on an AuthnRequest and a LogoutRequest with saml.signature_algorithm_forbidden', async () => {
      const sha1 = { signatureAlgorithm: ALG.rsaSha1, digestAlgorithm: ALG.sha1 };
      const a = signXml(authnRequestXml(), { key: w.key, ...sha1 });
      const l = signXml(logoutRequestXml(), { key: w.key, ...sha1 });
      expect((await refusal(verifyAuthnRequest(post(a), w.ctx()))).code).to.equal(
        'saml.signature_algorithm_forbidden',
      );
      expect((await refusal(verifyLogoutRequest(post(l), w.ctx()))).code).to.equal(
        'saml.signature_algorithm_forbidden',
      );
    });

    it('refuses RSA-SHA256 over a SHA-1 digest with saml.signature_algorithm_forbidden', async () => {
      const a = signXml(authnRequestXml(), { key: w.key, digestAlgorithm: ALG.sha1 });
      expect((await refusal(verifyAuthnRequest(post(a), w.ctx()))).code).to.equal(
        'saml.signature_algorithm_forbidden',
      );
    });

    it('refuses HMAC-SHA1 keyed with the SP certificate (key confusion) with saml.signature_algorithm_forbidden', async () => {
      const hmac = { signatureAlgorithm: ALG.hmacSha1, hmacKey: w.key.certPem };
      const a = signXml(authnRequestXml(), { key: w.key, ...hmac });
      const l = signXml(logoutRequestXml(), { key: w.key, ...hmac });
      expect(a).to.contain(ALG.hmacSha1);
      expect((await refusal(verifyAuthnRequest(post(a), w.ctx()))).code).to.equal(
        'saml.signature_algorithm_forbidden',
      );
      expect((await refusal(verifyLogoutRequest(post(l), w.ctx()))).code).to.equal(
        'saml.signature_algorithm_forbidden',
      );
    });
  });

  describe('HTTP-Redirect (SigAlg)', () => {
    const cases: [string, { sigAlg: string; signWith: 'rsa' | 'hmac' | 'junk' }][] = [
      ['RSA-SHA1', { sigAlg: ALG.rsaSha1, signWith: 'rsa' }],
      ['HMAC-SHA1 keyed with the SP certificate', { sigAlg: ALG.hmacSha1, signWith: 'hmac' }],
      ['DSA-SHA1', { sigAlg: 'http://www.w3.org/2000/09/xmldsig#dsa-sha1', signWith: 'junk' }],
      ['an unknown algorithm', { sigAlg: 'urn:example:none', signWith: 'junk' }],
    ];
    for (const [name, o] of cases) {
      it(`refuses ${name} on an AuthnRequest and a LogoutRequest with saml.signature_algorithm_forbidden`, async () => {
        const sign = (xml: string) => {
          if (o.signWith === 'junk') {
            // Nothing we sign with; any value will do, because the algorithm is refused first.
            const q = `${redirectQuery(xml)}&SigAlg=${urlEncode(o.sigAlg)}`;
            return `${q}&Signature=${urlEncode(Buffer.alloc(64, 1).toString('base64'))}`;
          }
          return redirectQuery(xml, {
            key: w.key,
            sigAlg: o.sigAlg,
            ...(o.signWith === 'hmac' ? { hmacKey: w.key.certPem } : {}),
          });
        };
        const a = sign(authnRequestXml({ destination: IDP_SSO.redirect }));
        const l = sign(logoutRequestXml({ destination: IDP_SLO.redirect }));
        expect((await refusal(verifyAuthnRequest(redirect(a), w.ctx()))).code).to.equal(
          'saml.signature_algorithm_forbidden',
        );
        expect((await refusal(verifyLogoutRequest(redirect(l), w.ctx()))).code).to.equal(
          'saml.signature_algorithm_forbidden',
        );
      });
    }

    it('sanity: the same request signed with RSA-SHA256 verifies', async () => {
      const q = redirectQuery(authnRequestXml({ destination: IDP_SSO.redirect }), { key: w.key });
      expect((await verifyAuthnRequest(redirect(q), w.ctx())).signed).to.equal(true);
    });
  });
});
