import { expect } from 'chai';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SAML } from '@node-saml/node-saml';
import { signSamlPost } from '@node-saml/node-saml/lib/saml-post-signing.js';
import { accountsRpc, createRpcClient, jetstreamManager, type Envelope } from '@idp/events';
import { selfSignedCertificate, waitFor } from '@idp/testing';
import { Browser, type Page, waitForSpAtGateway } from './support/browser.js';
import { startSloSp, type SloSp } from './support/slo-sp.js';
import { startStack, type Stack } from './support/stack.js';

const PHONE = '+38640123457';
const EMAIL = 'janez.kranjec@example.si';
const PASSWORD = 'another correct horse battery staple';

/**
 * Single Logout across two SPs, both node-saml (an SP implementation independent of ours, which
 * validates every logout message itself). SP1 registers Redirect and POST SLO endpoints, SP2 only
 * POST, so both bindings of the gateway's messages are exercised.
 */
describe('single logout: SP-initiated or at the gateway, propagated front-channel to the other SPs', function () {
  this.timeout(120_000);
  let stack: Stack;
  let sp1: SloSp;
  let sp2: SloSp;
  let sp1Key: string;

  before(async () => {
    stack = await startStack();
    const registryDir = join(stack.dir, 'sp-registry');
    const idpMetadataUrl = `${stack.gatewayUrl}/saml/metadata`;
    const [c1, c2] = await Promise.all([
      selfSignedCertificate({ commonName: 'slo-sp1' }),
      selfSignedCertificate({ commonName: 'slo-sp2' }),
    ]);
    sp1Key = c1.keyPem;
    sp1 = await startSloSp({
      idpMetadataUrl,
      port: stack.base + 92,
      registryDir,
      signing: c1,
      sloBindings: ['redirect', 'post'],
      name: 'E-service one',
    });
    sp2 = await startSloSp({
      idpMetadataUrl,
      port: stack.base + 93,
      registryDir,
      signing: c2,
      sloBindings: ['post'],
      name: 'E-service two',
    });
    const rpc = createRpcClient(stack.nc, { defaultTimeoutMs: 5000 });
    await rpc.call(
      accountsRpc.createAccount,
      {
        email: EMAIL,
        password: PASSWORD,
        givenName: 'Janez',
        familyName: 'Kranjec',
        taxNumber: '50223054',
        birthDate: '1985-01-02',
        phone: PHONE,
        smsPass: 'active',
      },
      { correlationId: 'e2e-slo-seed' },
    );
    for (const sp of [sp1, sp2]) await waitForSpAtGateway(sp.url);
  });
  after(async () => {
    await sp1?.close();
    await sp2?.close();
    await stack?.close();
  });

  const smsFile = () => join(stack.dir, 'dev-sms.jsonl');
  const smsLines = () =>
    existsSync(smsFile()) ? readFileSync(smsFile(), 'utf8').trim().split('\n').filter(Boolean) : [];
  /** The gateway as browsers see it (its PUBLIC_URL), which is where its cookies live. */
  const gatewayOrigin = () => new URL(sp1.saml.options.logoutUrl).origin;
  const gatewayHost = () => new URL(gatewayOrigin()).host;

  /** Password + SMS code at `sp`, ending with the SP's "Logged in" page. */
  async function logIn(b: Browser, sp: SloSp): Promise<void> {
    const start = await b.go(`${sp.url}/login`);
    expect(start.has('/login/password'), 'login page').to.equal(true);
    const before = smsLines().length;
    const codePage = await b.submit(start, '/login/password', { email: EMAIL, password: PASSWORD });
    await waitFor('SMS sent', () => smsLines().length > before, 15_000, 100);
    const code = /#(\d{6})$/.exec((JSON.parse(smsLines().at(-1)!) as { text: string }).text)![1]!;
    const done = await acs(b, await b.submit(codePage, '/login/code', { code }));
    expect(done.has('Logged in'), done.html).to.equal(true);
  }

  const acs = (b: Browser, page: Page) => b.submit(page, '/saml/acs');

  /** An AuthnRequest at `sp` answered from the SSO session, without a login page. */
  async function reuse(b: Browser, sp: SloSp): Promise<void> {
    const page = await b.go(`${sp.url}/login`);
    expect(page.has('/login/password'), 'no login page on SSO reuse').to.equal(false);
    expect((await acs(b, page)).has('Logged in')).to.equal(true);
  }

  it('ends the session, sends SP2 a LogoutRequest, and gives SP1 a signed LogoutResponse with its RelayState', async () => {
    const b = new Browser();
    await logIn(b, sp1);
    await reuse(b, sp2);
    const sessionId = b.cookie(gatewayHost(), 'idp_session');
    expect(sessionId).to.be.a('string');
    const sp2Profile = sp2.profile!;
    const arrivals1 = sp1.arrivals.length;
    const arrivals2 = sp2.arrivals.length;

    const logoutUrl = await sp1.saml.getLogoutUrlAsync(sp1.profile!, 'back-home', {});
    expect(logoutUrl).to.match(/[?&]Signature=/);
    // The gateway ends the session and sends SP2 (POST-only) its LogoutRequest as an auto-posting form.
    const toSp2 = await b.go(logoutUrl);
    expect(toSp2.status, toSp2.html).to.equal(200);
    const form = toSp2.form('/saml/slo');
    expect(form.action).to.equal(`${sp2.url}/saml/slo`);
    expect(form.fields.SAMLRequest).to.be.a('string');
    expect(b.cookie(gatewayHost(), 'idp_session')).to.equal(undefined);

    // SP2 validates it and answers; the gateway then answers SP1 over Redirect.
    const final = await b.submit(toSp2, '/saml/slo');
    expect(final.url.origin).to.equal(sp1.url);
    expect(final.has('Logged out'), final.html).to.equal(true);

    const atSp2 = sp2.arrivals.slice(arrivals2);
    expect(atSp2).to.have.length(1);
    expect(atSp2[0]!.error).to.equal(undefined);
    expect(atSp2[0]).to.include({ kind: 'request', binding: 'post', signed: true });
    expect(atSp2[0]!.profile?.nameID).to.equal(sp2Profile.nameID);
    expect(atSp2[0]!.profile?.sessionIndex).to.equal(sp2Profile.sessionIndex);
    expect(atSp2[0]!.xml).to.contain(`Destination="${sp2.url}/saml/slo"`);

    const atSp1 = sp1.arrivals.slice(arrivals1);
    expect(atSp1).to.have.length(1);
    expect(atSp1[0]!.error).to.equal(undefined);
    expect(atSp1[0]).to.include({
      kind: 'response',
      binding: 'redirect',
      signed: true,
      relayState: 'back-home',
    });
    expect(atSp1[0]!.xml).to.contain(
      'urn:oasis:names:tc:SAML:2.0:status:Success"></samlp:StatusCode></samlp:Status>',
    );
    expect(atSp1[0]!.xml).not.to.contain('PartialLogout');

    // The session is gone: both SPs get the login page again.
    expect((await b.go(`${sp1.url}/login`)).has('/login/password')).to.equal(true);
    expect((await b.go(`${sp2.url}/login`)).has('/login/password')).to.equal(true);

    const jsm = await jetstreamManager(stack.nc);
    const ended = await waitFor(
      'session.ended event',
      async () => {
        const info = await jsm.streams.info('IDP_EVENTS');
        for (let seq = info.state.last_seq; seq >= info.state.first_seq; seq--) {
          const m = await jsm.streams.getMessage('IDP_EVENTS', { seq }).catch(() => null);
          const e = m?.json<Envelope>();
          if (e?.subject === 'idp.session.ended.v1') return e;
        }
        return undefined;
      },
      10_000,
      200,
    );
    expect(ended.data).to.deep.include({ sessionId, reason: 'logout' });
    expect((ended.data as { spEntityIds: string[] }).spEntityIds).to.have.members([
      sp1.entityId,
      sp2.entityId,
    ]);
  });

  it("logs out at the gateway's user pages: every SP of the session gets a signed LogoutRequest, then the logged-out page", async () => {
    const b = new Browser();
    await logIn(b, sp1);
    await reuse(b, sp2);
    const profiles = [sp1.profile!, sp2.profile!];
    const before = [sp1.arrivals.length, sp2.arrivals.length];
    const account = await b.go(`${gatewayOrigin()}/account`);
    expect(account.has('action="/logout"'), account.html).to.equal(true);

    // SP1 answers over Redirect on its own; SP2 (POST only) gets an auto-posting form.
    const toSp2 = await b.submit(account, '/logout');
    expect(toSp2.form('/saml/slo').action).to.equal(`${sp2.url}/saml/slo`);
    expect(b.cookie(gatewayHost(), 'idp_session')).to.equal(undefined);
    const final = await b.submit(toSp2, '/saml/slo');
    expect(final.url.origin).to.equal(gatewayOrigin());
    expect(final.has('You are logged out'), final.html).to.equal(true);
    expect(final.has('could not be told')).to.equal(false);

    for (const [i, sp] of [sp1, sp2].entries()) {
      const arrivals = sp.arrivals.slice(before[i]);
      expect(arrivals, sp.entityId).to.have.length(1);
      expect(arrivals[0]!.error).to.equal(undefined);
      expect(arrivals[0]).to.include({ kind: 'request', signed: true });
      expect(arrivals[0]!.profile?.nameID).to.equal(profiles[i]!.nameID);
      expect(arrivals[0]!.profile?.sessionIndex).to.equal(profiles[i]!.sessionIndex);
    }
    expect((await b.go(`${sp1.url}/login`)).has('/login/password')).to.equal(true);
  });

  it('refuses a LogoutRequest with a bad signature, a wrong Destination or no signature, and ends no session', async () => {
    const b = new Browser();
    await logIn(b, sp1);
    const good = await sp1.saml.getLogoutUrlAsync(sp1.profile!, '', {});
    const badSignature = good.replace(
      /Signature=([A-Za-z0-9%])/,
      (_, c: string) => `Signature=${c === 'A' ? 'B' : 'A'}`,
    );
    const wrongDestination = await new SAML({
      ...sp1.saml.options,
      logoutUrl: `${sp1.saml.options.logoutUrl}?elsewhere=1`,
    }).getLogoutUrlAsync(sp1.profile!, '', {});
    const unsigned = await new SAML({ ...sp1.saml.options, privateKey: undefined }).getLogoutUrlAsync(
      sp1.profile!,
      '',
      {},
    );
    expect(unsigned).not.to.match(/[?&]Signature=/);
    for (const [url, code] of [
      [badSignature, 'saml.signature_invalid'],
      [wrongDestination, 'saml.destination_mismatch'],
      [unsigned, 'saml.signature_required'],
    ] as const) {
      const page = await b.go(url);
      expect(page.status, code).to.be.within(400, 499);
      expect(page.has(code), page.html).to.equal(true);
      expect(page.has('name="SAMLResponse"') || page.has('name="SAMLRequest"')).to.equal(false);
      expect(page.url.origin).to.equal(gatewayOrigin());
    }
    expect(b.cookie(gatewayHost(), 'idp_session')).to.be.a('string');
    await reuse(b, sp1);
  });

  it('answers Success to a LogoutRequest when the browser has no session (already logged out)', async () => {
    const b = new Browser();
    await logIn(b, sp1);
    const url = await sp1.saml.getLogoutUrlAsync(sp1.profile!, '', {});
    const before = sp1.arrivals.length;
    const final = await new Browser().go(url);
    expect(final.url.origin).to.equal(sp1.url);
    expect(sp1.arrivals.slice(before)[0]).to.include({ kind: 'response', signed: true });
    expect(sp1.arrivals.slice(before)[0]!.error).to.equal(undefined);
    // The other browser's session is untouched.
    await reuse(b, sp1);
  });

  it('finishes the chain when an SP answers with the wrong InResponseTo, reporting PartialLogout', async () => {
    const b = new Browser();
    await logIn(b, sp1);
    await reuse(b, sp2);
    sp2.answerWrongly = true;
    const before = sp1.arrivals.length;
    const toSp2 = await b.go(await sp1.saml.getLogoutUrlAsync(sp1.profile!, 'rs', {}));
    const final = await b.submit(toSp2, '/saml/slo');
    expect(final.url.origin).to.equal(sp1.url);
    expect(final.has('Logged out')).to.equal(true);
    const arrival = sp1.arrivals.slice(before)[0]!;
    expect(arrival.error).to.equal(undefined);
    expect(arrival.xml).to.contain('urn:oasis:names:tc:SAML:2.0:status:PartialLogout');
    expect((await b.go(`${sp2.url}/login`)).has('/login/password')).to.equal(true);
  });
  it('accepts a signed LogoutRequest over HTTP-POST, ends the session on the GET that carries the cookie, and answers over POST', async () => {
    const b = new Browser();
    await logIn(b, sp1);
    const xml = await sp1.saml._generateLogoutRequest(sp1.profile!);
    const signed = signSamlPost(xml, '/*[local-name(.)="LogoutRequest"]', {
      privateKey: sp1Key,
      signatureAlgorithm: 'sha256',
      digestAlgorithm: 'sha256',
    });
    const before = sp1.arrivals.length;
    const answer = await b.go(`${gatewayOrigin()}/saml/slo`, {
      form: { SAMLRequest: Buffer.from(signed).toString('base64'), RelayState: 'post-rs' },
    });
    expect(answer.status, answer.html).to.equal(200);
    expect(answer.form('/saml/slo').action).to.equal(`${sp1.url}/saml/slo`);
    expect(b.cookie(gatewayHost(), 'idp_session')).to.equal(undefined);
    const final = await b.submit(answer, '/saml/slo');
    expect(final.has('Logged out'), final.html).to.equal(true);
    const arrival = sp1.arrivals.slice(before)[0]!;
    expect(arrival.error).to.equal(undefined);
    expect(arrival).to.include({ kind: 'response', binding: 'post', signed: true, relayState: 'post-rs' });
    expect(arrival.xml).to.contain(`InResponseTo="${/ID="([^"]+)"/.exec(xml)![1]!}"`);
    expect(arrival.xml).to.contain(`Destination="${sp1.url}/saml/slo"`);
    expect((await b.go(`${sp1.url}/login`)).has('/login/password')).to.equal(true);
  });
});
