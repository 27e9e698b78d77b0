import { expect } from 'chai';
import { verify as rsaVerify } from 'node:crypto';
import { inflateRawSync } from 'node:zlib';
import { DOMParser } from '@xmldom/xmldom';
import { SAML, ValidateInResponseTo } from '@node-saml/node-saml';
import { SignedXml } from 'xml-crypto';
import { selfSignedCertificate } from '@idp/testing';
import { signingIdentity, type SigningIdentity } from '../keys.js';
import { registeredSp } from '../verify/__fixtures__/saml-requests.js';
import { readLogoutResponse } from '../verify/read-logout-response.js';
import { buildLogoutRequest, buildLogoutResponse, encodeLogoutMessage } from './build-logout.js';

const IDP = 'https://login.example.si/saml/metadata';
const IDP_SLO = 'https://login.example.si/saml/slo';
const SP = 'https://sp.example.org/saml';
const SP_SLO = 'https://sp.example.org/saml/slo';
const RSA_SHA256 = 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256';

async function identity(commonName: string): Promise<SigningIdentity> {
  const c = await selfSignedCertificate({ commonName });
  return signingIdentity(c.keyPem, c.certPem);
}

/** node-saml as an independent SP: it checks our signatures and Issuer itself. */
const nodeSamlSp = (idpCertPem: string, o: { privateKey?: string } = {}) =>
  new SAML({
    idpCert: idpCertPem,
    idpIssuer: IDP,
    issuer: SP,
    callbackUrl: 'https://sp.example.org/saml/acs',
    entryPoint: 'https://login.example.si/saml/sso',
    logoutUrl: IDP_SLO,
    validateInResponseTo: ValidateInResponseTo.never,
    ...(o.privateKey ? { privateKey: o.privateKey, signatureAlgorithm: 'sha256' as const } : {}),
  });

/** Splits a Redirect-binding URL the way a receiver must: the signed octets exactly as they appear. */
function splitRedirect(url: string) {
  const query = url.slice(url.indexOf('?') + 1);
  const params = new URLSearchParams(query);
  const signed = query.slice(0, query.indexOf('&Signature='));
  return { query, params, signed };
}

describe('idp-gateway logout messages (signatures checked with node:crypto, xml-crypto and node-saml)', function () {
  this.timeout(20_000);
  let signing: SigningIdentity;
  before(async () => {
    signing = await identity('idp');
  });

  const request = () =>
    buildLogoutRequest({
      idpEntityId: IDP,
      spEntityId: SP,
      destination: SP_SLO,
      nameId: { value: 'pairwise-123', format: 'persistent' },
      sessionIndex: '_sess1',
      now: new Date(),
    });

  it('signs a Redirect LogoutRequest over SAMLRequest=…&RelayState=…&SigAlg=… with RSA-SHA256', async () => {
    const message = request();
    const out = encodeLogoutMessage({
      field: 'SAMLRequest',
      message,
      binding: 'redirect',
      destination: SP_SLO,
      relayState: 'chain 1/2',
      signing,
    });
    if (out.binding !== 'redirect') throw new Error('expected redirect');
    expect(out.url.startsWith(`${SP_SLO}?SAMLRequest=`)).to.equal(true);
    const { query, params, signed } = splitRedirect(out.url);
    expect(signed).to.match(/^SAMLRequest=[^&]+&RelayState=chain%201%2F2&SigAlg=[^&]+$/);
    expect(params.get('SigAlg')).to.equal(RSA_SHA256);
    const signature = Buffer.from(params.get('Signature')!, 'base64');
    expect(rsaVerify('sha256', Buffer.from(signed), signing.certPem, signature)).to.equal(true);
    expect(
      rsaVerify('sha256', Buffer.from(signed.replace('chain', 'chaim')), signing.certPem, signature),
    ).to.equal(false);
    const xml = inflateRawSync(Buffer.from(params.get('SAMLRequest')!, 'base64')).toString('utf8');
    expect(xml).to.contain(`Destination="${SP_SLO}"`);
    expect(xml).to.contain('<samlp:SessionIndex>_sess1</samlp:SessionIndex>');
    expect(xml).not.to.contain('Signature');
    expect(xml).to.contain(`ID="${message.id}"`);

    const result = await nodeSamlSp(signing.certPem).validateRedirectAsync(
      Object.fromEntries(params) as Record<string, string>,
      query,
    );
    expect(result.profile?.nameID).to.equal('pairwise-123');
    expect(result.profile?.sessionIndex).to.equal('_sess1');
    expect(result.profile?.ID).to.equal(message.id);
  });

  it('signs a POST LogoutRequest with an enveloped signature on the root, accepted by xml-crypto and node-saml', async () => {
    const message = request();
    const out = encodeLogoutMessage({
      field: 'SAMLRequest',
      message,
      binding: 'post',
      destination: SP_SLO,
      relayState: 'rs',
      signing,
    });
    if (out.binding !== 'post') throw new Error('expected post');
    expect(out).to.include({ action: SP_SLO, field: 'SAMLRequest', relayState: 'rs' });
    const xml = Buffer.from(out.value, 'base64').toString('utf8');
    const doc = new DOMParser().parseFromString(xml, 'text/xml');
    const sigNode = doc.getElementsByTagNameNS('http://www.w3.org/2000/09/xmldsig#', 'Signature')[0]!;
    expect(sigNode.parentNode).to.equal(doc.documentElement);
    const sig = new SignedXml({ publicCert: signing.certPem });
    sig.loadSignature(sigNode);
    expect(sig.checkSignature(xml)).to.equal(true);
    expect(sig.getSignedReferences()).to.have.length(1);

    const tampered = xml.replace('pairwise-123', 'pairwise-999');
    const sig2 = new SignedXml({ publicCert: signing.certPem });
    sig2.loadSignature(sigNode);
    let tamperedOk: boolean;
    try {
      tamperedOk = sig2.checkSignature(tampered);
    } catch {
      tamperedOk = false;
    }
    expect(tamperedOk).to.equal(false);

    const result = await nodeSamlSp(signing.certPem).validatePostRequestAsync({ SAMLRequest: out.value });
    expect(result.profile?.nameID).to.equal('pairwise-123');
    expect(result.loggedOut).to.equal(true);
  });

  it('builds a Redirect LogoutResponse with InResponseTo and RelayState that node-saml accepts', async () => {
    const message = buildLogoutResponse({
      idpEntityId: IDP,
      destination: SP_SLO,
      inResponseTo: '_spreq1',
      status: { top: 'Success' },
      now: new Date(),
    });
    const out = encodeLogoutMessage({
      field: 'SAMLResponse',
      message,
      binding: 'redirect',
      destination: SP_SLO,
      relayState: 'back-to-home',
      signing,
    });
    if (out.binding !== 'redirect') throw new Error('expected redirect');
    const { query, params, signed } = splitRedirect(out.url);
    expect(signed.startsWith('SAMLResponse=')).to.equal(true);
    expect(
      rsaVerify(
        'sha256',
        Buffer.from(signed),
        signing.certPem,
        Buffer.from(params.get('Signature')!, 'base64'),
      ),
    ).to.equal(true);
    const xml = inflateRawSync(Buffer.from(params.get('SAMLResponse')!, 'base64')).toString('utf8');
    expect(xml).to.contain('InResponseTo="_spreq1"');
    expect(xml).to.contain('urn:oasis:names:tc:SAML:2.0:status:Success');
    const result = await nodeSamlSp(signing.certPem).validateRedirectAsync(
      Object.fromEntries(params) as Record<string, string>,
      query,
    );
    expect(result.loggedOut).to.equal(true);
    // A different IdP key must not verify.
    const other = await identity('other');
    const refused = await nodeSamlSp(other.certPem)
      .validateRedirectAsync(Object.fromEntries(params) as Record<string, string>, query)
      .catch((e: unknown) => e);
    expect(refused).to.be.instanceOf(Error);
  });

  it('signs a POST LogoutResponse and carries PartialLogout as a second-level status', () => {
    const message = buildLogoutResponse({
      idpEntityId: IDP,
      destination: SP_SLO,
      inResponseTo: '_spreq2',
      status: { top: 'Success', second: 'PartialLogout' },
      now: new Date(),
    });
    const out = encodeLogoutMessage({
      field: 'SAMLResponse',
      message,
      binding: 'post',
      destination: SP_SLO,
      signing,
    });
    if (out.binding !== 'post') throw new Error('expected post');
    expect(out.relayState).to.equal(undefined);
    const xml = Buffer.from(out.value, 'base64').toString('utf8');
    expect(xml).to.contain(
      '<samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:PartialLogout"></samlp:StatusCode></samlp:StatusCode>',
    );
    const doc = new DOMParser().parseFromString(xml, 'text/xml');
    const sig = new SignedXml({ publicCert: signing.certPem });
    sig.loadSignature(doc.getElementsByTagNameNS('http://www.w3.org/2000/09/xmldsig#', 'Signature')[0]!);
    expect(sig.checkSignature(xml)).to.equal(true);
  });

  it('escapes values and appends to a Destination that already has a query', () => {
    const message = buildLogoutRequest({
      idpEntityId: IDP,
      spEntityId: SP,
      destination: 'https://sp.example.org/slo?a=1&b="2"',
      nameId: { value: '<x&y>', format: 'transient' },
      now: new Date(),
    });
    expect(message.xml).to.contain('&lt;x&amp;y&gt;');
    expect(message.xml).to.contain('Destination="https://sp.example.org/slo?a=1&amp;b=&quot;2&quot;"');
    expect(message.xml).not.to.contain('SessionIndex');
    const out = encodeLogoutMessage({
      field: 'SAMLRequest',
      message,
      binding: 'redirect',
      destination: 'https://sp.example.org/slo?a=1',
      signing,
    });
    if (out.binding !== 'redirect') throw new Error('expected redirect');
    expect(out.url).to.match(
      /^https:\/\/sp\.example\.org\/slo\?a=1&SAMLRequest=[^&]+&SigAlg=[^&]+&Signature=/,
    );
  });

  it('reads an SP LogoutResponse (node-saml, Redirect, signed) and refuses one whose signature does not verify', async () => {
    const spKey = await identity('sp');
    const sp = registeredSp({ entityId: SP, signingCertificates: [spKey.certPem] });
    const saml = nodeSamlSp(signing.certPem, { privateKey: spKey.keyPem });
    const url = await saml.getLogoutResponseUrlAsync(
      {
        ID: '_idpreq7',
        issuer: IDP,
        nameID: 'n',
        nameIDFormat: 'urn:oasis:names:tc:SAML:2.0:nameid-format:persistent',
      },
      'chain-token',
      {},
      true,
    );
    const rawQuery = url.slice(url.indexOf('?') + 1);
    const read = readLogoutResponse({ binding: 'redirect', rawQuery }, (id) => (id === SP ? sp : undefined));
    expect(read).to.deep.equal({
      issuer: SP,
      inResponseTo: '_idpreq7',
      status: 'urn:oasis:names:tc:SAML:2.0:status:Success',
      relayState: 'chain-token',
      signed: true,
    });
    const forged = rawQuery.replace('RelayState=chain-token', 'RelayState=chain-tokem');
    expect(() => readLogoutResponse({ binding: 'redirect', rawQuery: forged }, () => sp)).to.throw(
      /signature/,
    );
    expect(() => readLogoutResponse({ binding: 'redirect', rawQuery }, () => undefined)).to.throw(
      /unknown_issuer/,
    );
  });
});
