// Signature wrapping (XSW): a valid signature of the SP is kept, but the request the gateway reads is
// the attacker's. The profile (Signature is a child of the root, one Reference to the root's ID, the
// ID unique) refuses every arrangement; the test also checks nothing reached the replay cache.
import { expect } from 'chai';
import {
  IDP_SLO,
  authnRequestXml,
  fixture,
  logoutRequestXml,
  newId,
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

const SIGNATURE = /<ds:Signature[^]*<\/ds:Signature>/;
const signatureOf = (xml: string) => SIGNATURE.exec(xml)![0];
const withoutSignature = (xml: string) => xml.replace(SIGNATURE, '');
const ATTACKER_ACS = 'https://attacker.example.net/acs';

describe('security: SAML signature wrapping', function () {
  this.timeout(20_000);
  let w: World;
  before(async () => {
    w = await world();
  });

  const kinds = [
    {
      name: 'AuthnRequest',
      signed: (id = newId()) => signXml(authnRequestXml({ id }), { key: w.key }),
      unsignedRoot: (id: string, inner: string) =>
        authnRequestXml({ id, acsUrl: ATTACKER_ACS, afterIssuer: inner }),
      verify: (xml: string, c = w.ctx()) => verifyAuthnRequest(post(xml), c),
      wrapFixture: 'invalid/authn-request.wrapping.signed-request-in-foreign-extension.xml',
    },
    {
      name: 'LogoutRequest',
      signed: (id = newId()) => signXml(logoutRequestXml({ id }), { key: w.key }),
      unsignedRoot: (id: string, inner: string) =>
        logoutRequestXml({ id, nameId: 'victim-of-the-attack', afterIssuer: inner }),
      verify: (xml: string, c = w.ctx()) => verifyLogoutRequest(post(xml), c),
      wrapFixture: 'invalid/logout-request.wrapping.signed-request-in-foreign-extension.xml',
    },
  ];

  for (const k of kinds) {
    describe(k.name, () => {
      const refusedWith = async (xml: string) => {
        const c = w.ctx();
        const e = await refusal(k.verify(xml, c));
        expect(c.seen.size, 'nothing recorded').to.equal(0);
        return e.code;
      };
      const destination = k.name === 'LogoutRequest' ? IDP_SLO.post : undefined;
      const wrap = (inner: string) =>
        fixture(k.wrapFixture, {
          SIGNED_REQUEST: inner,
          ...(destination ? { DESTINATION: destination } : {}),
        });
      const foreign = (inner: string) =>
        `<samlp:Extensions><x:Wrapper xmlns:x="urn:example:attacker">${inner}</x:Wrapper></samlp:Extensions>`;

      it('sanity: the untouched signed request verifies', async () => {
        expect((await k.verify(k.signed())).signed).to.equal(true);
      });

      it('refuses a request wrapped around a signed one (signature on a nested element) with saml.signature_profile_violation', async () => {
        expect(await refusedWith(wrap(k.signed()))).to.equal('saml.signature_profile_violation');
      });

      it('refuses a root Signature (by the SP key) whose Reference names a nested element with saml.signature_profile_violation', async () => {
        const nested = `<samlp:Extensions><x:Part xmlns:x="urn:example:attacker" ID="_nested">x</x:Part></samlp:Extensions>`;
        const xml = signXml(k.unsignedRoot(newId(), nested), {
          key: w.key,
          referenceXPath: "//*[local-name(.)='Part']",
        });
        expect(xml).to.contain('URI="#_nested"');
        expect(await refusedWith(xml)).to.equal('saml.signature_profile_violation');
      });

      it('refuses a signed request placed straight into Extensions with saml.schema_invalid', async () => {
        // samlp:Extensions only takes other namespaces, so the schema already refuses this one.
        const xml =
          k.name === 'AuthnRequest'
            ? fixture('invalid/authn-request.wrapping.signed-request-in-extensions.xml', {
                SIGNED_REQUEST: k.signed(),
              })
            : k.unsignedRoot(newId(), `<samlp:Extensions>${k.signed()}</samlp:Extensions>`);
        expect(await refusedWith(xml)).to.equal('saml.schema_invalid');
      });

      it('refuses the SP signature moved onto an attacker root that points at the hidden original', async () => {
        const original = k.signed('_original');
        const evil = k
          .unsignedRoot('_evil', foreign(withoutSignature(original)))
          .replace(/(<\/saml:Issuer>)/, `$1${signatureOf(original)}`);
        expect(await refusedWith(evil)).to.equal('saml.signature_profile_violation');
      });

      it('refuses duplicate IDs: the attacker root takes the signed ID and hides the original', async () => {
        const original = k.signed('_dup');
        const hidden = `<samlp:Extensions><x:Wrapper xmlns:x="urn:example:attacker" ID="_dup">${withoutSignature(
          original,
        )
          .replace(/^<samlp:\w+/, '<x:Original')
          .replace(/<\/samlp:\w+>$/, '</x:Original>')}</x:Wrapper></samlp:Extensions>`;
        const evil = k
          .unsignedRoot('_dup', hidden)
          .replace(/(<\/saml:Issuer>)/, `$1${signatureOf(original)}`);
        expect(await refusedWith(evil)).to.equal('saml.signature_profile_violation');
      });

      it('refuses a signed request with a second element carrying its ID with saml.signature_profile_violation', async () => {
        const original = k.signed('_twice');
        const xml = original.replace(
          /(<\/ds:Signature>)/,
          `$1<samlp:Extensions><x:Dup xmlns:x="urn:example:attacker" ID="_twice"/></samlp:Extensions>`,
        );
        expect(await refusedWith(xml)).to.equal('saml.signature_profile_violation');
      });

      it('refuses an attacker-signed root around the SP-signed original (two signatures)', async () => {
        const inner = foreign(k.signed());
        const evil = signXml(k.unsignedRoot(newId(), inner), { key: w.attacker });
        expect(await refusedWith(evil)).to.equal('saml.signature_profile_violation');
      });

      it('refuses an XML signature inside an HTTP-Redirect message with saml.signature_profile_violation', async () => {
        const xml = k.signed();
        const c = w.ctx();
        const input = redirect(redirectQuery(xml, { key: w.key }));
        const e = await refusal(
          k.name === 'AuthnRequest' ? verifyAuthnRequest(input, c) : verifyLogoutRequest(input, c),
        );
        expect(e.code).to.equal('saml.signature_profile_violation');
      });
    });
  }
});
