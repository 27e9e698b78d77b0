// XML external entities: a DOCTYPE is refused before any parser runs, so neither a local file nor
// an out-of-band URL is ever read. A listener on loopback proves no fetch happens.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import {
  IDP_SLO,
  IDP_SSO,
  fixture,
  post,
  redirect,
  redirectQuery,
  refusal,
  verifyAuthnRequest,
  verifyLogoutRequest,
  world,
  type World,
} from './support.js';

describe('security: SAML XXE (file and out-of-band)', function () {
  this.timeout(20_000);
  let w: World;
  let listener: Server;
  let oobUrl: string;
  let fetches = 0;
  before(async () => {
    w = await world();
    listener = createServer((_req, res) => {
      fetches++;
      res.end('<!ENTITY % send "">');
    });
    await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
    oobUrl = `http://127.0.0.1:${(listener.address() as AddressInfo).port}`;
  });
  after(() => new Promise<void>((resolve) => listener.close(() => resolve())));

  const cases = [
    ['a file entity', 'invalid/authn-request.xxe-file.xml'],
    ['an out-of-band parameter entity', 'invalid/authn-request.xxe-out-of-band.xml'],
    ['a lowercase doctype with an external DTD', 'invalid/authn-request.xxe-lowercase-doctype.xml'],
  ] as const;

  for (const [name, path] of cases) {
    it(`refuses an AuthnRequest with ${name} over POST and Redirect with saml.dtd_forbidden`, async () => {
      const postXml = fixture(path, { OOB_URL: oobUrl });
      const redirectXml = fixture(path, { OOB_URL: oobUrl, DESTINATION: IDP_SSO.redirect });
      expect((await refusal(verifyAuthnRequest(post(postXml), w.ctx()))).code).to.equal('saml.dtd_forbidden');
      expect(
        (await refusal(verifyAuthnRequest(redirect(redirectQuery(redirectXml)), w.ctx()))).code,
      ).to.equal('saml.dtd_forbidden');
    });
  }

  it('refuses a LogoutRequest with a file entity with saml.dtd_forbidden', async () => {
    const xml = fixture('invalid/logout-request.xxe-file.xml', { DESTINATION: IDP_SLO.post });
    expect((await refusal(verifyLogoutRequest(post(xml), w.ctx()))).code).to.equal('saml.dtd_forbidden');
  });

  it('refuses a LogoutRequest with an out-of-band entity over Redirect with saml.dtd_forbidden', async () => {
    const xml = fixture('invalid/authn-request.xxe-out-of-band.xml', {
      OOB_URL: oobUrl,
      DESTINATION: IDP_SLO.redirect,
    }).replace(/AuthnRequest/g, 'LogoutRequest');
    expect((await refusal(verifyLogoutRequest(redirect(redirectQuery(xml)), w.ctx()))).code).to.equal(
      'saml.dtd_forbidden',
    );
  });

  it('never fetched anything from the out-of-band listener', () => {
    expect(fetches).to.equal(0);
  });
});
