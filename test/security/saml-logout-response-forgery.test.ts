// An SP's LogoutResponse, on its way back during front-channel logout, decides whether the citizen
// (or the SP that asked) is told the logout was complete. A forged "Success" would hide an e-service
// that still has the citizen logged in, so it goes through the same profile as a request.
import { expect } from 'chai';
import { deflateRawSync } from 'node:zlib';
import { readLogoutResponse } from '../../services/idp-gateway/src/saml/verify/read-logout-response.js';
import {
  ALG,
  IDP_SLO,
  SP_ENTITY_ID,
  T0,
  newId,
  postEncode,
  registeredSp,
  signOctets,
  signXml,
  urlEncode,
  world,
  type RegisteredSp,
  type World,
} from './support.js';

const SUCCESS = 'urn:oasis:names:tc:SAML:2.0:status:Success';

function logoutResponseXml(
  o: { id?: string; inResponseTo?: string; issuer?: string; afterIssuer?: string } = {},
) {
  return (
    `<samlp:LogoutResponse xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ` +
    `ID="${o.id ?? newId()}" Version="2.0" IssueInstant="${T0.toISOString()}" Destination="${IDP_SLO.post}" ` +
    `InResponseTo="${o.inResponseTo ?? '_idp_request'}">` +
    `<saml:Issuer>${o.issuer ?? SP_ENTITY_ID}</saml:Issuer>${o.afterIssuer ?? ''}` +
    `<samlp:Status><samlp:StatusCode Value="${SUCCESS}"/></samlp:Status></samlp:LogoutResponse>`
  );
}

/** The raw query of an HTTP-Redirect LogoutResponse, signed over its octets when a key is given. */
function redirectResponse(xml: string, key?: World['key']): string {
  let query = `SAMLResponse=${urlEncode(deflateRawSync(Buffer.from(xml)).toString('base64'))}`;
  if (!key) return query;
  query += `&SigAlg=${urlEncode(ALG.rsaSha256)}`;
  return `${query}&Signature=${urlEncode(signOctets(query, ALG.rsaSha256, { key }))}`;
}

const SIGNATURE = /<ds:Signature[^]*<\/ds:Signature>/;

describe('security: SAML LogoutResponse forgery', function () {
  this.timeout(20_000);
  let w: World;
  let lookup: (id: string) => RegisteredSp | undefined;
  before(async () => {
    w = await world();
    lookup = (id) => (id === w.sp.entityId ? w.sp : undefined);
  });
  const read = (xml: string) =>
    readLogoutResponse({ binding: 'post', samlResponse: postEncode(xml) }, lookup);
  const codeOf = (f: () => unknown): string => {
    try {
      f();
    } catch (err) {
      return (err as { code?: string }).code ?? String(err);
    }
    throw new Error('accepted');
  };

  it('sanity: a LogoutResponse signed by the SP is read from the verified element', () => {
    const xml = signXml(logoutResponseXml({ inResponseTo: '_idp42' }), { key: w.key });
    expect(read(xml)).to.deep.include({
      issuer: SP_ENTITY_ID,
      inResponseTo: '_idp42',
      status: SUCCESS,
      signed: true,
    });
    const query = redirectResponse(logoutResponseXml({ inResponseTo: '_idp43' }), w.key);
    expect(readLogoutResponse({ binding: 'redirect', rawQuery: query }, lookup)).to.deep.include({
      inResponseTo: '_idp43',
      signed: true,
    });
  });

  it('refuses an unsigned LogoutResponse from an SP whose metadata has a signing key (both bindings)', () => {
    expect(codeOf(() => read(logoutResponseXml()))).to.equal('saml.signature_required');
    expect(
      codeOf(() =>
        readLogoutResponse({ binding: 'redirect', rawQuery: redirectResponse(logoutResponseXml()) }, lookup),
      ),
    ).to.equal('saml.signature_required');
  });

  it('reads an unsigned one from an SP that registered no signing key, saying it was unsigned', () => {
    const keyless = registeredSp({ entityId: 'https://keyless.example.org/saml', keys: [] });
    const xml = logoutResponseXml({ issuer: keyless.entityId });
    const r = readLogoutResponse({ binding: 'post', samlResponse: postEncode(xml) }, () => keyless);
    expect(r).to.include({ signed: false, status: SUCCESS });
  });

  it('refuses one signed by another key, even with that key in KeyInfo', () => {
    const xml = signXml(logoutResponseXml(), { key: w.attacker, keyInfoCertPem: w.attacker.certPem });
    expect(codeOf(() => read(xml))).to.equal('saml.signature_invalid');
    const query = redirectResponse(logoutResponseXml(), w.attacker);
    expect(codeOf(() => readLogoutResponse({ binding: 'redirect', rawQuery: query }, lookup))).to.equal(
      'saml.signature_invalid',
    );
  });

  it('refuses one changed after signing (InResponseTo swapped to the pending request)', () => {
    const xml = signXml(logoutResponseXml({ inResponseTo: '_old' }), { key: w.key }).replace(
      'InResponseTo="_old"',
      'InResponseTo="_pending"',
    );
    expect(codeOf(() => read(xml))).to.equal('saml.signature_invalid');
  });

  it('refuses signature wrapping: an attacker root around an SP-signed response', () => {
    const original = signXml(logoutResponseXml({ id: '_original', inResponseTo: '_old' }), { key: w.key });
    const hidden = `<samlp:Extensions><x:W xmlns:x="urn:example:attacker">${original.replace(SIGNATURE, '')}</x:W></samlp:Extensions>`;
    const evil = logoutResponseXml({ id: '_evil', inResponseTo: '_pending', afterIssuer: hidden }).replace(
      /(<\/saml:Issuer>)/,
      `$1${SIGNATURE.exec(original)![0]}`,
    );
    expect(codeOf(() => read(evil))).to.equal('saml.signature_profile_violation');
  });

  it('refuses an XML signature inside an HTTP-Redirect LogoutResponse', () => {
    const query = redirectResponse(signXml(logoutResponseXml(), { key: w.key }), w.key);
    expect(codeOf(() => readLogoutResponse({ binding: 'redirect', rawQuery: query }, lookup))).to.equal(
      'saml.signature_profile_violation',
    );
  });

  it('refuses an unregistered Issuer', () => {
    expect(codeOf(() => read(logoutResponseXml({ issuer: 'https://evil.example.net/sp' })))).to.equal(
      'saml.unknown_issuer',
    );
  });

  it('refuses a DTD (XXE, entity expansion) before parsing', () => {
    const xxe =
      '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>' +
      logoutResponseXml({ inResponseTo: '&x;' });
    expect(codeOf(() => read(xxe))).to.equal('saml.dtd_forbidden');
  });

  it('refuses a deflate bomb on the Redirect binding (the inflate is capped)', () => {
    const bomb = deflateRawSync(Buffer.alloc(50 * 1024 * 1024, 0x20));
    const query = `SAMLResponse=${urlEncode(bomb.toString('base64'))}`;
    expect(codeOf(() => readLogoutResponse({ binding: 'redirect', rawQuery: query }, lookup))).to.match(
      /^saml\./,
    );
  });
});
