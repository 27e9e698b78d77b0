import { expect } from 'chai';
import { SAML, ValidateInResponseTo } from '@node-saml/node-saml';
import { selfSignedCertificate } from '@idp/testing';
import { signingIdentity, type SigningIdentity } from '../keys.js';
import { buildFailureResponse, buildSuccessResponse, pairwiseNameId } from './build-response.js';

const IDP = 'https://login.example.si/saml/metadata';
const SP = 'https://sp.example.org/saml';
const ACS = 'https://sp.example.org/saml/acs';

/** node-saml as an independent SP: it checks signatures, audience, recipient and times itself. */
function sp(certPem: string, o: { wantAuthnResponseSigned: boolean }) {
  return new SAML({
    idpCert: certPem,
    issuer: SP,
    audience: SP,
    callbackUrl: ACS,
    entryPoint: 'https://login.example.si/saml/sso',
    wantAssertionsSigned: true,
    wantAuthnResponseSigned: o.wantAuthnResponseSigned,
    validateInResponseTo: ValidateInResponseTo.never,
    acceptedClockSkewMs: 1000,
  });
}

describe('idp-gateway SAML responses (checked by node-saml)', function () {
  this.timeout(20_000);
  let signing: SigningIdentity;

  before(async () => {
    const c = await selfSignedCertificate({ commonName: 'idp' });
    signing = signingIdentity(c.keyPem, c.certPem);
  });

  const base = () => ({
    idpEntityId: IDP,
    signing,
    spEntityId: SP,
    acsUrl: ACS,
    inResponseTo: '_req1',
    now: new Date(),
  });

  for (const signResponse of [false, true]) {
    it(`carries NameID, level, SessionIndex and the released attributes (Response ${signResponse ? 'and' : 'not'} signed)`, async () => {
      const xml = buildSuccessResponse({
        ...base(),
        signResponse,
        nameId: { value: pairwiseNameId('k'.repeat(32), 'acc-1', SP), format: 'persistent' },
        authn: { instant: new Date(), sessionIndex: '_s1', loa: 'substantial' },
        attributes: { given_name: 'Ana', family_name: 'Novak & <Co>', tax_number: '50223054' },
      });
      const { profile } = await sp(signing.certPem, {
        wantAuthnResponseSigned: signResponse,
      }).validatePostResponseAsync({
        SAMLResponse: Buffer.from(xml).toString('base64'),
      });
      expect(profile).to.not.equal(null);
      expect(profile!.nameID).to.equal(pairwiseNameId('k'.repeat(32), 'acc-1', SP));
      expect(profile!.nameIDFormat).to.equal('urn:oasis:names:tc:SAML:2.0:nameid-format:persistent');
      expect(profile!.sessionIndex).to.equal('_s1');
      expect(profile!.getAssertionXml?.()).to.contain('http://eidas.europa.eu/LoA/substantial');
      expect(profile!['urn:oid:1.3.6.1.4.1.44044.1.1.1.7']).to.equal('Novak & <Co>');
      expect(profile!['urn:oid:1.3.6.1.4.1.44044.1.1.1.2']).to.equal('50223054');
    });
  }

  it('is refused by the SP when a byte of the signed assertion changes', async () => {
    const xml = buildSuccessResponse({
      ...base(),
      signResponse: false,
      nameId: { value: 'x', format: 'transient' },
      authn: { instant: new Date(), sessionIndex: '_s1', loa: 'substantial' },
      attributes: { given_name: 'Ana' },
    }).replace('>Ana<', '>Eve<');
    const err = await sp(signing.certPem, { wantAuthnResponseSigned: false })
      .validatePostResponseAsync({ SAMLResponse: Buffer.from(xml).toString('base64') })
      .catch((e: unknown) => e);
    expect(err).to.be.instanceOf(Error);
  });

  it('gives the SP a signed error status it can act on', async () => {
    const saml = sp(signing.certPem, { wantAuthnResponseSigned: true });
    const post = (xml: string) =>
      saml.validatePostResponseAsync({ SAMLResponse: Buffer.from(xml).toString('base64') });
    // NoPassive means "nobody is logged in": node-saml answers with no profile rather than an error.
    const passive = await post(
      buildFailureResponse({
        ...base(),
        signResponse: true,
        topLevel: 'Responder',
        secondLevel: 'NoPassive',
      }),
    );
    expect(passive.profile).to.equal(null);
    const failed = await post(
      buildFailureResponse({
        ...base(),
        signResponse: true,
        topLevel: 'Responder',
        secondLevel: 'AuthnFailed',
      }),
    ).catch((e: unknown) => e);
    expect(failed).to.be.instanceOf(Error).with.property('message').that.contains('AuthnFailed');
  });

  it('makes pairwise NameIDs stable per SP and different across SPs', () => {
    const k = 's'.repeat(32);
    expect(pairwiseNameId(k, 'acc-1', SP)).to.equal(pairwiseNameId(k, 'acc-1', SP));
    expect(pairwiseNameId(k, 'acc-1', SP)).to.not.equal(
      pairwiseNameId(k, 'acc-1', 'https://other.example.org'),
    );
  });
});
