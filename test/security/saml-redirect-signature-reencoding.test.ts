// HTTP-Redirect signatures cover the query octets exactly as the SP encoded them. Verifying over a
// decoded and re-encoded query would accept what the SP never signed (and refuse what it did), so
// any re-encoding by a proxy or an attacker breaks the signature.
import { expect } from 'chai';
import {
  ALG,
  IDP_SLO,
  IDP_SSO,
  authnRequestXml,
  logoutRequestXml,
  redirect,
  redirectQuery,
  refusal,
  signOctets,
  urlEncode,
  verifyAuthnRequest,
  verifyLogoutRequest,
  world,
  type World,
} from './support.js';

describe('security: SAML Redirect signature over a re-encoded query', function () {
  this.timeout(20_000);
  let w: World;
  let signed: string;
  before(async () => {
    w = await world();
    signed = redirectQuery(authnRequestXml({ destination: IDP_SSO.redirect }), {
      key: w.key,
      relayState: 'a/b c+d',
    });
  });
  const param = (q: string, name: string) => new RegExp(`(?:^|&)${name}=([^&]*)`).exec(q)![1]!;
  const code = async (rawQuery: string) =>
    (await refusal(verifyAuthnRequest(redirect(rawQuery), w.ctx()))).code;

  it('sanity: the query as sent verifies, whatever the parameter order', async () => {
    expect((await verifyAuthnRequest(redirect(signed), w.ctx())).relayState).to.equal('a/b c+d');
    const reordered = ['Signature', 'SigAlg', 'RelayState', 'SAMLRequest']
      .map((n) => `${n}=${param(signed, n)}`)
      .join('&');
    expect((await verifyAuthnRequest(redirect(reordered), w.ctx())).signed).to.equal(true);
  });

  const reencodings: [string, (q: string) => string][] = [
    ['percent-escapes lowercased', (q) => q.replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase())],
    ['%20 turned into +', (q) => q.replace('RelayState=a%2Fb%20c', 'RelayState=a%2Fb+c')],
    ['%2F decoded to /', (q) => q.replace('RelayState=a%2Fb', 'RelayState=a/b')],
    [
      'SAMLRequest re-encoded with unescaped base64 characters',
      (q) =>
        q.replace(param(q, 'SAMLRequest'), decodeURIComponent(param(q, 'SAMLRequest')).replace(/=/g, '%3D')),
    ],
    ['RelayState dropped', (q) => q.replace(/&RelayState=[^&]*/, '')],
    ['RelayState replaced', (q) => q.replace(/RelayState=[^&]*/, 'RelayState=evil')],
    ['SigAlg swapped to RSA-SHA512', (q) => q.replace(/SigAlg=[^&]*/, `SigAlg=${urlEncode(ALG.rsaSha512)}`)],
  ];
  for (const [name, change] of reencodings) {
    it(`refuses the query with ${name} (saml.signature_invalid)`, async () => {
      const changed = change(signed);
      expect(changed).to.not.equal(signed);
      expect(await code(changed)).to.equal('saml.signature_invalid');
    });
  }

  it('refuses a RelayState added after signing (saml.signature_invalid)', async () => {
    const noRelay = redirectQuery(authnRequestXml({ destination: IDP_SSO.redirect }), { key: w.key });
    expect(await code(noRelay.replace('&SigAlg', '&RelayState=injected&SigAlg'))).to.equal(
      'saml.signature_invalid',
    );
  });

  it('refuses a signature computed over the decoded values (saml.signature_invalid)', async () => {
    const q = redirectQuery(authnRequestXml({ destination: IDP_SSO.redirect }), { relayState: 'a/b' });
    const sigAlg = urlEncode(ALG.rsaSha256);
    const decodedOctets = `SAMLRequest=${decodeURIComponent(param(q, 'SAMLRequest'))}&RelayState=a/b&SigAlg=${ALG.rsaSha256}`;
    const sig = signOctets(decodedOctets, ALG.rsaSha256, { key: w.key });
    expect(await code(`${q}&SigAlg=${sigAlg}&Signature=${urlEncode(sig)}`)).to.equal(
      'saml.signature_invalid',
    );
  });

  it('refuses a re-encoded LogoutRequest query too', async () => {
    const q = redirectQuery(logoutRequestXml({ destination: IDP_SLO.redirect }), {
      key: w.key,
      relayState: 'x/y',
    });
    const e = await refusal(verifyLogoutRequest(redirect(q.replace('%2F', '%2f')), w.ctx()));
    expect(e.code).to.equal('saml.signature_invalid');
  });
});
