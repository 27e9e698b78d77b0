// A request changed after the SP signed it, signed by the wrong key, carrying the attacker's
// certificate in KeyInfo, or unsigned where signing is required: all refused, nothing recorded.
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
  registeredSp,
  signXml,
  urlEncode,
  verifyAuthnRequest,
  verifyLogoutRequest,
  world,
  type VerifyContext,
  type World,
} from './support.js';

describe('security: SAML signature tampering and missing signatures', function () {
  this.timeout(20_000);
  let w: World;
  before(async () => {
    w = await world();
  });

  const refusedCode = async (
    verification: (c: VerifyContext) => Promise<unknown>,
    o: Partial<VerifyContext> = {},
  ) => {
    const c = w.ctx(o);
    const e = await refusal(verification(c));
    expect(c.seen.size, 'a refused request records nothing').to.equal(0);
    return e.code;
  };
  const authn = (xml: string) => (c: VerifyContext) => verifyAuthnRequest(post(xml), c);
  const logout = (xml: string) => (c: VerifyContext) => verifyLogoutRequest(post(xml), c);

  describe('AuthnRequest tampered after signing', () => {
    const signed = () =>
      signXml(authnRequestXml({ acsUrl: 'https://sp.example.org/saml/acs', forceAuthn: true }), {
        key: w.key,
      });
    const tampers: [string, (x: string) => string][] = [
      [
        'ACS URL changed',
        (x) => x.replace('https://sp.example.org/saml/acs"', 'https://sp.example.org/saml/acs-legacy"'),
      ],
      ['ForceAuthn flipped', (x) => x.replace('ForceAuthn="true"', 'ForceAuthn="false"')],
      ['IsPassive added', (x) => x.replace('ForceAuthn="true"', 'ForceAuthn="true" IsPassive="true"')],
      ['Issuer text padded', (x) => x.replace('<saml:Issuer>', '<saml:Issuer> ')],
      [
        'NameIDPolicy added',
        (x) =>
          x.replace('</samlp:AuthnRequest>', '<samlp:NameIDPolicy AllowCreate="true"/></samlp:AuthnRequest>'),
      ],
      [
        'SignatureValue altered',
        (x) =>
          x.replace(
            /<ds:SignatureValue>(.)/,
            (_, c: string) => `<ds:SignatureValue>${c === 'A' ? 'B' : 'A'}`,
          ),
      ],
    ];
    for (const [name, change] of tampers) {
      it(`refuses "${name}" with saml.signature_invalid`, async () => {
        const xml = change(signed());
        expect(xml).to.not.equal(signed());
        expect(await refusedCode(authn(xml))).to.equal('saml.signature_invalid');
      });
    }

    it('refuses a changed ID (the Reference no longer names the root) with saml.signature_profile_violation', async () => {
      const xml = signXml(authnRequestXml({ id: '_signed' }), { key: w.key }).replace(
        'ID="_signed"',
        'ID="_other"',
      );
      expect(await refusedCode(authn(xml))).to.equal('saml.signature_profile_violation');
    });

    it('refuses a processing instruction slipped into a signed request with saml.malformed_request', async () => {
      // xml-crypto's canonicalization would render the PI as text; it must never get that far.
      const xml = signed().replace('</saml:Issuer>', '<?evil ?></saml:Issuer>');
      expect(await refusedCode(authn(xml))).to.equal('saml.malformed_request');
    });

    it('refuses a request re-attributed to another registered SP (its key does not verify it)', async () => {
      const other = registeredSp({ entityId: 'https://other.example.org/sp', keys: [w.attacker] });
      const xml = signXml(authnRequestXml(), { key: w.key }).replace(
        '>https://sp.example.org/saml<',
        '>https://other.example.org/sp<',
      );
      const c = w.ctx({}, [other]);
      expect((await refusal(verifyAuthnRequest(post(xml), c))).code).to.equal('saml.signature_invalid');
    });
  });

  describe('LogoutRequest tampered after signing', () => {
    const signed = () =>
      signXml(logoutRequestXml({ nameId: 'pairwise-alice', sessionIndexes: ['_s1'] }), { key: w.key });
    it('refuses a changed NameID with saml.signature_invalid', async () => {
      expect(await refusedCode(logout(signed().replace('pairwise-alice', 'pairwise-bob')))).to.equal(
        'saml.signature_invalid',
      );
    });
    it('refuses an added SessionIndex with saml.signature_invalid', async () => {
      const xml = signed().replace(
        '</samlp:LogoutRequest>',
        '<samlp:SessionIndex>_s2</samlp:SessionIndex></samlp:LogoutRequest>',
      );
      expect(await refusedCode(logout(xml))).to.equal('saml.signature_invalid');
    });
  });

  describe('wrong key', () => {
    it('refuses an AuthnRequest and a LogoutRequest signed by a key the SP did not register', async () => {
      expect(await refusedCode(authn(signXml(authnRequestXml(), { key: w.attacker })))).to.equal(
        'saml.signature_invalid',
      );
      expect(await refusedCode(logout(signXml(logoutRequestXml(), { key: w.attacker })))).to.equal(
        'saml.signature_invalid',
      );
    });

    it('ignores KeyInfo: the attacker certificate it carries is never used (saml.signature_invalid)', async () => {
      const withKeyInfo = (xml: string) =>
        signXml(xml, { key: w.attacker, keyInfoCertPem: w.attacker.certPem });
      const a = withKeyInfo(authnRequestXml());
      expect(a).to.contain('<ds:X509Certificate>');
      expect(await refusedCode(authn(a))).to.equal('saml.signature_invalid');
      expect(await refusedCode(logout(withKeyInfo(logoutRequestXml())))).to.equal('saml.signature_invalid');
    });

    it('ignores KeyInfo naming the SP certificate on a request the attacker signed', async () => {
      const xml = signXml(authnRequestXml(), { key: w.attacker, keyInfoCertPem: w.key.certPem });
      expect(await refusedCode(authn(xml))).to.equal('saml.signature_invalid');
    });

    it('refuses a Redirect request signed by the wrong key with saml.signature_invalid', async () => {
      const rawQuery = redirectQuery(authnRequestXml({ destination: IDP_SSO.redirect }), { key: w.attacker });
      expect(await refusedCode((c) => verifyAuthnRequest(redirect(rawQuery), c))).to.equal(
        'saml.signature_invalid',
      );
    });

    it('refuses a Redirect signature moved onto another request with saml.signature_invalid', async () => {
      const signedQuery = redirectQuery(authnRequestXml({ destination: IDP_SSO.redirect }), { key: w.key });
      const signature = /&SigAlg=.*$/.exec(signedQuery)![0];
      const evil = redirectQuery(
        authnRequestXml({ destination: IDP_SSO.redirect, acsUrl: 'https://attacker.example.net' }),
      );
      expect(await refusedCode((c) => verifyAuthnRequest(redirect(evil + signature), c))).to.equal(
        'saml.signature_invalid',
      );
    });
  });

  describe('unsigned where signing is required', () => {
    it('refuses an unsigned AuthnRequest from an SP whose metadata says AuthnRequestsSigned', async () => {
      expect(await refusedCode(authn(authnRequestXml()))).to.equal('saml.signature_required');
    });

    it('refuses a signed request whose signature was stripped', async () => {
      const stripped = signXml(authnRequestXml(), { key: w.key }).replace(
        /<ds:Signature[^]*<\/ds:Signature>/,
        '',
      );
      expect(await refusedCode(authn(stripped))).to.equal('saml.signature_required');
    });

    it('refuses an unsigned AuthnRequest when the IdP requires signing, whatever the metadata says', async () => {
      const lax = registeredSp({ entityId: 'https://lax.example.org/sp', authnRequestsSigned: false });
      const c = w.ctx({ requireSignedRequests: true }, [lax]);
      const e = await refusal(verifyAuthnRequest(post(authnRequestXml({ issuer: lax.entityId })), c));
      expect(e.code).to.equal('saml.signature_required');
    });

    it('refuses an unsigned Redirect AuthnRequest and LogoutRequest from a signing SP', async () => {
      const a = redirectQuery(authnRequestXml({ destination: IDP_SSO.redirect }));
      const l = redirectQuery(logoutRequestXml({ destination: IDP_SLO.redirect }));
      expect(await refusedCode((c) => verifyAuthnRequest(redirect(a), c))).to.equal(
        'saml.signature_required',
      );
      expect(await refusedCode((c) => verifyLogoutRequest(redirect(l), c))).to.equal(
        'saml.signature_required',
      );
    });

    it('refuses an unsigned LogoutRequest from an SP whose metadata has a signing key', async () => {
      const keyOnly = registeredSp({
        entityId: 'https://keyonly.example.org/sp',
        keys: [w.key],
        authnRequestsSigned: false,
      });
      const c = w.ctx({}, [keyOnly]);
      const e = await refusal(verifyLogoutRequest(post(logoutRequestXml({ issuer: keyOnly.entityId })), c));
      expect(e.code).to.equal('saml.signature_required');
    });

    it('refuses a Redirect request with SigAlg but no Signature', async () => {
      const rawQuery = `${redirectQuery(authnRequestXml({ destination: IDP_SSO.redirect }))}&SigAlg=${urlEncode(ALG.rsaSha256)}`;
      expect(await refusedCode((c) => verifyAuthnRequest(redirect(rawQuery), c))).to.equal(
        'saml.signature_invalid',
      );
    });
  });
});
