import { expect } from 'chai';
import { verifyAuthnRequest } from './verify-authn-request.js';
import {
  ACS_URL,
  ALG,
  BINDING_URI,
  IDP_SSO,
  SP_ENTITY_ID,
  T0,
  authnRequestXml,
  memoryContext,
  postEncode,
  redirectQuery,
  refusal,
  registeredSp,
  signXml,
  testKeyPair,
  type AuthnRequestOptions,
  type TestKeyPair,
} from './__fixtures__/saml-requests.js';
import type { RegisteredSp, VerifyContext } from './types.js';

const PERSISTENT = 'urn:oasis:names:tc:SAML:2.0:nameid-format:persistent';
const minutes = (n: number) => new Date(T0.getTime() + n * 60_000).toISOString();

describe('saml/verify verifyAuthnRequest()', function () {
  this.timeout(20_000);
  let key: TestKeyPair;
  let signingSp: RegisteredSp;
  let openSp: RegisteredSp;
  before(async () => {
    key = await testKeyPair();
    signingSp = registeredSp({ keys: [key] });
    openSp = registeredSp({ entityId: 'https://open.example.org/sp', authnRequestsSigned: false });
  });

  const post = (xml: string, relayState?: string) => ({
    binding: 'post' as const,
    samlRequest: postEncode(xml),
    ...(relayState === undefined ? {} : { relayState }),
  });
  const signedPost = (o: AuthnRequestOptions = {}, relayState?: string) =>
    post(signXml(authnRequestXml(o), { key }), relayState);
  const unsignedPost = (o: AuthnRequestOptions = {}, relayState?: string) =>
    post(authnRequestXml({ issuer: openSp.entityId, ...o }), relayState);
  const ctx = (o: Partial<VerifyContext> = {}) => memoryContext([signingSp, openSp], o);

  describe('returns a typed view read from the verified request', () => {
    it('for a signed POST request with every field', async () => {
      const r = await verifyAuthnRequest(
        signedPost(
          {
            id: '_full',
            acsUrl: ACS_URL,
            protocolBinding: BINDING_URI.post,
            forceAuthn: true,
            isPassive: false,
            nameIdFormat: PERSISTENT,
            allowCreate: true,
            spNameQualifier: SP_ENTITY_ID,
            requestedAuthnContext: {
              comparison: 'minimum',
              classRefs: ['http://eidas.europa.eu/LoA/substantial'],
            },
          },
          'relay-1',
        ),
        ctx(),
      );
      expect(r).to.deep.include({
        binding: 'post',
        id: '_full',
        destination: IDP_SSO.post,
        acsUrl: ACS_URL,
        acsBinding: 'post',
        relayState: 'relay-1',
        forceAuthn: true,
        isPassive: false,
        nameIdPolicy: { format: 'persistent', allowCreate: true },
        requestedAuthnContext: {
          comparison: 'minimum',
          classRefs: ['http://eidas.europa.eu/LoA/substantial'],
        },
        signed: true,
      });
      expect(r.sp).to.equal(signingSp);
      expect(r.issueInstant.toISOString()).to.equal(T0.toISOString());
    });

    it('for a signed Redirect request (Destination = the Redirect endpoint)', async () => {
      const rawQuery = redirectQuery(authnRequestXml({ destination: IDP_SSO.redirect }), {
        key,
        relayState: 'r',
      });
      const r = await verifyAuthnRequest({ binding: 'redirect', rawQuery }, ctx());
      expect(r).to.deep.include({
        binding: 'redirect',
        destination: IDP_SSO.redirect,
        relayState: 'r',
        signed: true,
      });
    });

    it('for an unsigned request from an SP that does not sign, with defaults', async () => {
      const r = await verifyAuthnRequest(unsignedPost({ destination: null }), ctx());
      expect(r).to.deep.include({
        signed: false,
        forceAuthn: false,
        isPassive: false,
        nameIdPolicy: {},
        acsUrl: ACS_URL,
      });
      expect(r).to.not.have.property('destination');
      expect(r).to.not.have.property('requestedAuthnContext');
    });

    it('defaults Comparison to exact and passes AuthnContextDeclRef through', async () => {
      const xml = authnRequestXml({ issuer: openSp.entityId }).replace(
        '</samlp:AuthnRequest>',
        '<samlp:RequestedAuthnContext><saml:AuthnContextDeclRef>urn:decl</saml:AuthnContextDeclRef></samlp:RequestedAuthnContext></samlp:AuthnRequest>',
      );
      const r = await verifyAuthnRequest(post(xml), ctx());
      expect(r.requestedAuthnContext).to.deep.equal({
        comparison: 'exact',
        classRefs: [],
        declRefs: ['urn:decl'],
      });
    });

    it('returns the Subject NameID the SP asked for', async () => {
      const r = await verifyAuthnRequest(
        unsignedPost({ afterIssuer: '<saml:Subject><saml:NameID>someone</saml:NameID></saml:Subject>' }),
        ctx(),
      );
      expect(r.subjectNameId).to.equal('someone');
    });
  });

  describe('ACS from registered metadata only', () => {
    it('by index', async () => {
      expect((await verifyAuthnRequest(unsignedPost({ acsIndex: 1 }), ctx())).acsUrl).to.equal(
        'https://sp.example.org/saml/acs-legacy',
      );
    });
    it('by exact URL (with or without ProtocolBinding)', async () => {
      const url = 'https://sp.example.org/saml/acs-legacy';
      expect((await verifyAuthnRequest(unsignedPost({ acsUrl: url }), ctx())).acsUrl).to.equal(url);
      expect(
        (await verifyAuthnRequest(unsignedPost({ acsUrl: url, protocolBinding: BINDING_URI.post }), ctx()))
          .acsUrl,
      ).to.equal(url);
    });
    it('else the default POST ACS', async () => {
      expect((await verifyAuthnRequest(unsignedPost(), ctx())).acsUrl).to.equal(ACS_URL);
      const noDefault = registeredSp({
        entityId: 'https://nodefault.example.org',
        assertionConsumerServices: [
          {
            index: 5,
            url: 'https://nodefault.example.org/artifact',
            binding: BINDING_URI.artifact,
            isDefault: true,
          },
          { index: 7, url: 'https://nodefault.example.org/acs', binding: BINDING_URI.post, isDefault: false },
        ],
      });
      const r = await verifyAuthnRequest(
        post(authnRequestXml({ issuer: noDefault.entityId })),
        memoryContext([noDefault]),
      );
      expect(r.acsUrl).to.equal('https://nodefault.example.org/acs');
    });
    it('refuses an unregistered URL or index with saml.acs_not_registered', async () => {
      for (const o of [
        { acsUrl: 'https://attacker.example.net/acs' },
        { acsUrl: `${ACS_URL}/` },
        { acsUrl: ACS_URL.toUpperCase() },
        { acsIndex: 9 },
      ])
        expect((await refusal(verifyAuthnRequest(unsignedPost(o), ctx()))).code, JSON.stringify(o)).to.equal(
          'saml.acs_not_registered',
        );
    });
    it('refuses an SP with no HTTP-POST ACS with saml.acs_not_registered', async () => {
      const artifactOnly = registeredSp({
        assertionConsumerServices: [
          { index: 0, url: 'https://sp.example.org/a', binding: BINDING_URI.artifact, isDefault: true },
        ],
      });
      const e = await refusal(verifyAuthnRequest(post(authnRequestXml()), memoryContext([artifactOnly])));
      expect(e.code).to.equal('saml.acs_not_registered');
    });
    it('refuses a response binding other than HTTP-POST with saml.unsupported_binding', async () => {
      for (const o of [
        { protocolBinding: BINDING_URI.artifact },
        { acsIndex: 2 },
        { protocolBinding: BINDING_URI.redirect, acsUrl: ACS_URL },
      ])
        expect((await refusal(verifyAuthnRequest(unsignedPost(o), ctx()))).code).to.equal(
          'saml.unsupported_binding',
        );
    });
    it('refuses an index together with a URL with saml.malformed_request', async () => {
      const e = await refusal(verifyAuthnRequest(unsignedPost({ acsIndex: 0, acsUrl: ACS_URL }), ctx()));
      expect(e.code).to.equal('saml.malformed_request');
    });
  });

  describe('checks', () => {
    it('refuses an unknown or missing Issuer, or one with a non-entity Format, with saml.unknown_issuer', async () => {
      for (const xml of [
        authnRequestXml({ issuer: 'https://unknown.example.org' }),
        authnRequestXml({ issuer: null }),
        authnRequestXml().replace(
          '<saml:Issuer>',
          '<saml:Issuer Format="urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress">',
        ),
      ])
        expect((await refusal(verifyAuthnRequest(post(xml), ctx()))).code).to.equal('saml.unknown_issuer');
    });

    it('refuses an unsigned request when the metadata or the IdP requires signing with saml.signature_required', async () => {
      expect((await refusal(verifyAuthnRequest(post(authnRequestXml()), ctx()))).code).to.equal(
        'saml.signature_required',
      );
      expect(
        (await refusal(verifyAuthnRequest(unsignedPost(), ctx({ requireSignedRequests: true })))).code,
      ).to.equal('saml.signature_required');
      expect(
        (
          await refusal(
            verifyAuthnRequest(
              {
                binding: 'redirect',
                rawQuery: redirectQuery(authnRequestXml({ destination: IDP_SSO.redirect })),
              },
              ctx(),
            ),
          )
        ).code,
      ).to.equal('saml.signature_required');
    });

    it('verifies a signature even when none is required, and refuses a bad one', async () => {
      const other = await testKeyPair();
      const optional: RegisteredSp = {
        ...openSp,
        signingCertificates: [key.certPem],
        authnRequestsSigned: false,
      };
      const good = signXml(authnRequestXml({ issuer: optional.entityId }), { key });
      const bad = signXml(authnRequestXml({ issuer: optional.entityId }), { key: other });
      expect((await verifyAuthnRequest(post(good), memoryContext([optional]))).signed).to.equal(true);
      expect((await refusal(verifyAuthnRequest(post(bad), memoryContext([optional])))).code).to.equal(
        'saml.signature_invalid',
      );
      expect((await refusal(verifyAuthnRequest(post(good), ctx()))).code, 'SP without keys').to.equal(
        'saml.signature_invalid',
      );
    });

    it('refuses a Destination that is not this endpoint, or missing on a signed request, with saml.destination_mismatch', async () => {
      for (const input of [
        signedPost({ destination: null }),
        signedPost({ destination: 'https://other-idp.example.org/sso' }),
        signedPost({ destination: IDP_SSO.redirect }), // the other binding's endpoint
        unsignedPost({ destination: 'https://other-idp.example.org/sso' }),
      ])
        expect((await refusal(verifyAuthnRequest(input, ctx()))).code).to.equal('saml.destination_mismatch');
    });

    it('accepts IssueInstant within the skew and refuses it beyond with saml.issue_instant_out_of_range', async () => {
      for (const m of [-3, 3]) await verifyAuthnRequest(unsignedPost({ issueInstant: minutes(m) }), ctx());
      for (const m of [-3.1, 3.1, -1440])
        expect(
          (await refusal(verifyAuthnRequest(unsignedPost({ issueInstant: minutes(m) }), ctx()))).code,
        ).to.equal('saml.issue_instant_out_of_range');
    });

    it('refuses an IssueInstant that is not UTC with saml.malformed_request', async () => {
      const e = await refusal(
        verifyAuthnRequest(unsignedPost({ issueInstant: '2026-11-20T11:00:00+01:00' }), ctx()),
      );
      expect(e.code).to.equal('saml.malformed_request');
    });

    it('refuses a replayed ID with saml.request_replayed and remembers IDs for twice the skew', async () => {
      const c = ctx();
      await verifyAuthnRequest(unsignedPost({ id: '_once' }), c);
      expect((await refusal(verifyAuthnRequest(unsignedPost({ id: '_once' }), c))).code).to.equal(
        'saml.request_replayed',
      );
      expect([...c.seen.values()]).to.deep.equal([360_000]);
    });

    it('fails closed with infra.redis_down when the replay cache is unavailable', async () => {
      const e = await refusal(
        verifyAuthnRequest(
          unsignedPost(),
          ctx({ seenRequestId: () => Promise.reject(new Error('ECONNREFUSED')) }),
        ),
      );
      expect(e).to.include({ kind: 'unavailable', code: 'infra.redis_down' });
    });

    it('accepts persistent, transient and unspecified NameID formats and refuses others with saml.nameid_policy_unsupported', async () => {
      for (const [uri, name] of [
        [PERSISTENT, 'persistent'],
        ['urn:oasis:names:tc:SAML:2.0:nameid-format:transient', 'transient'],
        ['urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified', 'unspecified'],
      ])
        expect(
          (await verifyAuthnRequest(unsignedPost({ nameIdFormat: uri }), ctx())).nameIdPolicy.format,
        ).to.equal(name);
      for (const o of [
        { nameIdFormat: 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress' },
        { nameIdFormat: 'urn:oasis:names:tc:SAML:2.0:nameid-format:encrypted' },
        { nameIdFormat: PERSISTENT, spNameQualifier: 'https://another-sp.example.org' },
      ])
        expect((await refusal(verifyAuthnRequest(unsignedPost(o), ctx()))).code).to.equal(
          'saml.nameid_policy_unsupported',
        );
    });

    it('allows RelayState up to 80 bytes by default and up to the per-SP limit', async () => {
      await verifyAuthnRequest(unsignedPost({}, 'x'.repeat(80)), ctx());
      expect((await refusal(verifyAuthnRequest(unsignedPost({}, 'x'.repeat(81)), ctx()))).code).to.equal(
        'saml.relay_state_too_long',
      );
      expect(
        (await refusal(verifyAuthnRequest(unsignedPost({}, 'č'.repeat(41)), ctx()))).code,
        'counts bytes',
      ).to.equal('saml.relay_state_too_long');
      const legacy = registeredSp({ ...openSp, policy: { relayStateMaxBytes: 1024 } });
      await verifyAuthnRequest(unsignedPost({}, 'x'.repeat(1024)), memoryContext([legacy]));
      expect(
        (await refusal(verifyAuthnRequest(unsignedPost({}, 'x'.repeat(1025)), memoryContext([legacy])))).code,
      ).to.equal('saml.relay_state_too_long');
    });

    it('refuses a Subject it cannot read with saml.malformed_request', async () => {
      const subject =
        '<saml:Subject><saml:EncryptedID><xenc:EncryptedData xmlns:xenc="http://www.w3.org/2001/04/xmlenc#"><xenc:CipherData><xenc:CipherValue>AA==</xenc:CipherValue></xenc:CipherData></xenc:EncryptedData></saml:EncryptedID></saml:Subject>';
      const e = await refusal(verifyAuthnRequest(unsignedPost({ afterIssuer: subject }), ctx()));
      expect(e.code).to.equal('saml.malformed_request');
    });

    it('refuses another protocol message or version with saml.malformed_request', async () => {
      const logout = authnRequestXml()
        .replace(/AuthnRequest/g, 'LogoutRequest')
        .replace('</saml:Issuer>', '</saml:Issuer><saml:NameID>x</saml:NameID>');
      expect((await refusal(verifyAuthnRequest(post(logout), ctx()))).code).to.equal(
        'saml.malformed_request',
      );
      expect((await refusal(verifyAuthnRequest(unsignedPost({ version: '1.1' }), ctx()))).code).to.equal(
        'saml.malformed_request',
      );
    });
  });

  describe('check order', () => {
    it('checks the signature before Destination, ACS and time', async () => {
      const other = await testKeyPair();
      const xml = signXml(
        authnRequestXml({
          destination: 'https://x.example',
          acsUrl: 'https://attacker.example.net',
          issueInstant: minutes(-1440),
        }),
        { key: other },
      );
      expect((await refusal(verifyAuthnRequest(post(xml), ctx()))).code).to.equal('saml.signature_invalid');
    });

    it('records the ID only after Destination, ACS and IssueInstant passed', async () => {
      const c = ctx();
      for (const o of [
        { id: '_a', destination: 'https://x.example' },
        { id: '_a', acsUrl: 'https://attacker.example.net' },
        { id: '_a', issueInstant: minutes(-60) },
      ])
        await refusal(verifyAuthnRequest(unsignedPost(o), c));
      expect(c.seen.size).to.equal(0);
      await verifyAuthnRequest(unsignedPost({ id: '_a' }), c);
    });

    it('checks the replay cache before NameIDPolicy and RelayState', async () => {
      const c = ctx();
      await verifyAuthnRequest(unsignedPost({ id: '_b' }), c);
      const e = await refusal(
        verifyAuthnRequest(unsignedPost({ id: '_b', nameIdFormat: 'urn:x' }, 'x'.repeat(200)), c),
      );
      expect(e.code).to.equal('saml.request_replayed');
    });

    it('uses SHA-256 by default and refuses SHA-1 before looking at the key', async () => {
      const xml = signXml(authnRequestXml(), {
        key,
        signatureAlgorithm: ALG.rsaSha1,
        digestAlgorithm: ALG.sha1,
      });
      expect((await refusal(verifyAuthnRequest(post(xml), ctx()))).code).to.equal(
        'saml.signature_algorithm_forbidden',
      );
    });
  });
});
