import { expect } from 'chai';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { inflateRawSync } from 'node:zlib';
import { SAML } from '@node-saml/node-saml';
import { accountsRpc, createRpcClient, jetstreamManager, type Envelope } from '@idp/events';
import { LOA_URI } from '@idp/saml';
import { selfSignedCertificate, waitFor } from '@idp/testing';
import { startDemoSp, type DemoSp } from '../sp/demo-sp.js';
import { atPasswordPage, Browser, Page, waitForSpAtGateway } from './support/browser.js';
import { startStack, type Stack } from './support/stack.js';

const PHONE = '+38640123456';
const EMAIL = 'ana.novak@example.si';
const PASSWORD = 'correct horse battery staple';

/**
 * Two-factor SAML login end to end: node-saml (an SP implementation independent of ours) sends
 * the AuthnRequest and validates the signed Response itself; the citizen is a cookie-keeping
 * HTTP client filling in the same forms a browser without JavaScript would.
 */
describe('login: AuthnRequest → password → SMS code → signed assertion at node-saml', function () {
  this.timeout(120_000);
  let stack: Stack;
  let sp: DemoSp;

  before(async () => {
    // A short resend cooldown, so both the refusal and a successful resend can be tested.
    stack = await startStack({ serviceEnv: { 'otp-sender': { OTP_RESEND_COOLDOWN_SECONDS: '2' } } });
    sp = await startDemoSp({
      idpMetadataUrl: `${stack.gatewayUrl}/saml/metadata`,
      baseUrl: `http://127.0.0.1:${stack.base + 90}`,
      port: stack.base + 90,
      registryDir: join(stack.dir, 'sp-registry'),
      policy: { allowedMethods: ['password_sms'], minLoa: 'substantial' },
    });
    const rpc = createRpcClient(stack.nc, { defaultTimeoutMs: 5000 });
    await rpc.call(
      accountsRpc.createAccount,
      {
        email: EMAIL,
        password: PASSWORD,
        givenName: 'Ana',
        familyName: 'Novak',
        taxNumber: '50223054',
        birthDate: '1990-05-17',
        phone: PHONE,
        smsPass: 'active',
      },
      { correlationId: 'e2e-seed' },
    );
    // The gateway's registry poll picks the SP up.
    await waitForSpAtGateway(sp.url);
  });
  after(async () => {
    await sp?.close();
    await stack?.close();
  });

  const smsFile = () => join(stack.dir, 'dev-sms.jsonl');
  const smsCount = () =>
    existsSync(smsFile()) ? readFileSync(smsFile(), 'utf8').trim().split('\n').filter(Boolean).length : 0;
  /** The code of the SMS number `n` (1-based) once it is there, read as the citizen would. */
  async function nthCode(n: number): Promise<string> {
    await waitFor(`SMS #${n}`, () => smsCount() >= n, 15_000, 100);
    const line = JSON.parse(readFileSync(smsFile(), 'utf8').trim().split('\n')[n - 1]!) as {
      to: string;
      text: string;
    };
    expect(line.to).to.equal(PHONE);
    expect(line.text).to.match(/@localhost #\d{6}$/);
    return /#(\d{6})$/.exec(line.text)![1]!;
  }

  async function loginUpToCode(b: Browser, start: Page): Promise<Page> {
    expect(start.status).to.equal(200);
    expect(start.has('Demo e-service')).to.equal(true);
    expect(start.has('autocomplete="username"')).to.equal(true);
    const before = smsCount();
    const code = await b.submit(start, '/login/password', { email: EMAIL, password: PASSWORD });
    expect(code.status).to.equal(200);
    expect(code.has('autocomplete="one-time-code"')).to.equal(true);
    expect(code.has('inputmode="numeric"')).to.equal(true);
    expect(code.has('+386')).to.equal(true);
    await waitFor('SMS sent', () => smsCount() > before, 15_000, 100);
    return code;
  }

  async function acs(b: Browser, page: Page): Promise<Page> {
    expect(page.has('name="SAMLResponse"')).to.equal(true);
    expect(page.has('<noscript>')).to.equal(true);
    return b.submit(page, '/saml/acs');
  }

  const withOptions = (o: Record<string, unknown>) => new SAML({ ...sp.saml.options, ...o });

  it('logs in with password and SMS code over HTTP-Redirect; the SP validates the assertion and sees the attributes', async () => {
    const b = new Browser();
    const codePage = await loginUpToCode(b, await b.go(`${sp.url}/login`));
    const posted = await b.submit(codePage, '/login/code', { code: await nthCode(smsCount()) });
    const result = await acs(b, posted);
    expect(result.status, result.html).to.equal(200);
    expect(result.has('Logged in')).to.equal(true);
    expect(result.html).to.contain('data-name="urn:oid:1.3.6.1.4.1.44044.1.1.1.2">50223054<');
    expect(result.html).to.contain('>Novak<');
    expect(result.html).to.contain('>1990-05-17<');
  });

  it('answers an HTTP-Redirect AuthnRequest with the login page itself; a reload shows that login where it is, another browser is refused', async () => {
    const b = new Browser();
    const start = await b.go(`${sp.url}/login`);
    expect(start.url.pathname).to.equal('/saml/sso');
    const again = await b.go(start.url.toString());
    expect(again.status).to.equal(200);
    expect(again.has('autocomplete="current-password"')).to.equal(true);
    const codePage = await loginUpToCode(b, again);
    const sent = smsCount();
    const reloaded = await b.go(start.url.toString());
    expect(reloaded.status).to.equal(200);
    expect(reloaded.has('autocomplete="one-time-code"')).to.equal(true);
    expect(smsCount()).to.equal(sent);
    const elsewhere = await new Browser().go(start.url.toString());
    expect(elsewhere.status).to.be.within(400, 499);
    expect(elsewhere.has('/login/password')).to.equal(false);
    const result = await acs(b, await b.submit(codePage, '/login/code', { code: await nthCode(sent) }));
    expect(result.has('Logged in')).to.equal(true);
  });

  it('logs out at the gateway: the demo e-service checks the LogoutRequest and answers, then the logged-out page', async () => {
    const b = new Browser();
    const codePage = await loginUpToCode(b, await b.go(`${sp.url}/login`));
    const posted = await b.submit(codePage, '/login/code', { code: await nthCode(smsCount()) });
    expect((await acs(b, posted)).has('Logged in')).to.equal(true);
    // The gateway as browsers see it (its PUBLIC_URL), where its session cookie lives.
    const account = await b.go(`${new URL(sp.saml.options.logoutUrl).origin}/account`);
    // node-saml's metadata offers HTTP-POST for logout: an auto-posting form to the demo e-service.
    const toSp = await b.submit(account, '/logout');
    expect(toSp.form('/saml/slo').action).to.equal(`${sp.url}/saml/slo`);
    const done = await b.submit(toSp, '/saml/slo');
    expect(done.url.pathname).to.equal('/saml/slo');
    expect(done.has('You are logged out'), done.html).to.equal(true);
    expect(done.has('could not be told'), done.html).to.equal(false);
    expect((await b.go(`${sp.url}/login`)).has('/login/password')).to.equal(true);
  });

  it('reuses the SSO session for the next request without a login page, and ForceAuthn asks again', async () => {
    const b = new Browser();
    const codePage = await loginUpToCode(b, await b.go(`${sp.url}/login`));
    await acs(b, await b.submit(codePage, '/login/code', { code: await nthCode(smsCount()) }));
    const again = await b.go(`${sp.url}/login`);
    expect(again.has('/login/password')).to.equal(false);
    const reused = await acs(b, again);
    expect(reused.has('Logged in')).to.equal(true);
    const forced = await b.go(
      await withOptions({ forceAuthn: true }).getAuthorizeUrlAsync('', undefined, {}),
    );
    expect(forced.has('/login/password')).to.equal(true);
  });

  it('accepts the AuthnRequest over HTTP-POST with RelayState and returns it', async () => {
    const b = new Browser();
    // node-saml's POST form deflates SAMLRequest, which the HTTP-POST binding forbids (SAML
    // bindings 3.5.4: plain base64); the gateway refuses that, so send the same request inflated.
    const html = await sp.saml.getAuthorizeFormAsync('state-42');
    const form = new Page(new URL(sp.url), 200, html, new Headers()).form('/saml/sso');
    const deflated = await b.go(form.action, { form: form.fields });
    expect(deflated.status).to.equal(400);
    const plain = inflateRawSync(Buffer.from(form.fields.SAMLRequest!, 'base64')).toString('base64');
    const start = await b.go(form.action, {
      form: { SAMLRequest: plain, RelayState: form.fields.RelayState! },
    });
    const codePage = await loginUpToCode(b, start);
    const posted = await b.submit(codePage, '/login/code', { code: await nthCode(smsCount()) });
    expect(posted.form('/saml/acs').fields.RelayState).to.equal('state-42');
    expect((await acs(b, posted)).has('Logged in')).to.equal(true);
  });

  it('accepts a signed AuthnRequest from an SP whose metadata requires signing, and refuses it unsigned', async () => {
    const cert = await selfSignedCertificate({ commonName: 'signing-sp' });
    const signed = await startDemoSp({
      idpMetadataUrl: `${stack.gatewayUrl}/saml/metadata`,
      baseUrl: `http://127.0.0.1:${stack.base + 91}`,
      port: stack.base + 91,
      registryDir: join(stack.dir, 'sp-registry'),
      signing: { keyPem: cert.keyPem, certPem: cert.certPem },
    });
    try {
      const b = new Browser();
      const url = await signed.saml.getAuthorizeUrlAsync('', undefined, {});
      expect(url).to.match(/[?&]Signature=/);
      const start = await waitFor(
        'signing SP registered',
        async () => {
          const page = await b.go(url);
          return atPasswordPage(page) ? page : undefined;
        },
        15_000,
        200,
      );
      const codePage = await loginUpToCode(b, start);
      const result = await acs(
        b,
        await b.submit(codePage, '/login/code', { code: await nthCode(smsCount()) }),
      );
      expect(result.has('Logged in')).to.equal(true);
      const unsignedUrl = await new SAML({
        ...signed.saml.options,
        privateKey: undefined,
      }).getAuthorizeUrlAsync('', undefined, {});
      expect(unsignedUrl).not.to.match(/[?&]Signature=/);
      const refused = await new Browser().go(unsignedUrl);
      expect(refused.status).to.equal(401);
      expect(refused.has('saml.signature_required')).to.equal(true);
      expect(refused.has('name="SAMLResponse"')).to.equal(false);
    } finally {
      await signed.close();
    }
  });

  it('answers IsPassive without a session with NoPassive, never showing a page', async () => {
    const b = new Browser();
    const page = await b.go(await withOptions({ passive: true }).getAuthorizeUrlAsync('', undefined, {}));
    expect(page.has('/login/password')).to.equal(false);
    const result = await acs(b, page);
    expect(result.status).to.equal(401);
    expect(result.has('no session at the IdP')).to.equal(true);
  });

  it('answers a level it cannot reach with NoAuthnContext', async () => {
    const b = new Browser();
    const saml = withOptions({
      disableRequestedAuthnContext: false,
      authnContext: [LOA_URI.high],
      racComparison: 'minimum',
    });
    const result = await acs(b, await b.go(await saml.getAuthorizeUrlAsync('', undefined, {})));
    expect(result.status).to.equal(400);
    expect(result.html).to.contain('NoAuthnContext');
  });

  it('refuses a wrong password with the same message as an unknown account', async () => {
    const b = new Browser();
    const start = await b.go(`${sp.url}/login`);
    const wrong = await b.submit(start, '/login/password', { email: EMAIL, password: 'not the password' });
    const unknown = await b.submit(start, '/login/password', {
      email: 'nobody@example.si',
      password: 'whatever it is',
    });
    expect(wrong.status).to.equal(401);
    expect(unknown.status).to.equal(401);
    const message = (p: Page) => /<p class="error"[^>]*>([^<]*)</.exec(p.html)?.[1];
    expect(message(wrong)).to.equal('Wrong account name or password.');
    expect(message(unknown)).to.equal(message(wrong));
  });

  it('keeps the resend cooldown: "send again" at once sends nothing and says so', async () => {
    const b = new Browser();
    const codePage = await loginUpToCode(b, await b.go(`${sp.url}/login`));
    const first = smsCount();
    // The 30 s cooldown is real: a second SMS at once is refused with a message, not an error page.
    const early = await b.submit(codePage, '/login/resend');
    expect(early.has('/login/code')).to.equal(true);
    expect(smsCount()).to.equal(first);
    expect(early.has('a little later')).to.equal(true);
  });

  it('sends a new code on "send again" after the cooldown; the new code completes the login', async () => {
    const b = new Browser();
    const codePage = await loginUpToCode(b, await b.go(`${sp.url}/login`));
    const first = smsCount();
    await new Promise((r) => setTimeout(r, 2100));
    const resent = await b.submit(codePage, '/login/resend');
    expect(resent.status).to.equal(200);
    const fresh = await nthCode(first + 1);
    const result = await acs(b, await b.submit(resent, '/login/code', { code: fresh }));
    expect(result.has('Logged in')).to.equal(true);
  });

  it('gives the SP AuthnFailed after five wrong codes', async () => {
    const b = new Browser();
    let page = await loginUpToCode(b, await b.go(`${sp.url}/login`));
    const right = await nthCode(smsCount());
    const wrong = right === '000000' ? '111111' : '000000';
    for (let i = 0; i < 4; i++) {
      page = await b.submit(page, '/login/code', { code: wrong });
      expect(page.has('The code is not correct.'), `attempt ${i + 1}`).to.equal(true);
    }
    page = await b.submit(page, '/login/code', { code: wrong });
    const result = await acs(b, page);
    expect(result.status).to.equal(400);
    expect(result.html).to.contain('AuthnFailed');
  });

  it('gives the SP AuthnFailed when the citizen cancels', async () => {
    const b = new Browser();
    const result = await acs(b, await b.submit(await b.go(`${sp.url}/login`), '/login/cancel'));
    expect(result.status).to.equal(400);
    expect(result.html).to.contain('AuthnFailed');
  });

  it('refuses a form post whose CSRF token does not match', async () => {
    const b = new Browser();
    const start = await b.go(`${sp.url}/login`);
    const form = start.form('/login/password');
    const res = await b.go(new URL('/login/password', start.url).toString(), {
      form: { ...form.fields, csrf: 'forged', email: EMAIL, password: PASSWORD },
    });
    expect(res.status).to.equal(403);
  });

  // Last: it reads what every test above left in the stream.
  it('records the login in the audit stream with the correlation id, and no codes or personal data', async () => {
    const jsm = await jetstreamManager(stack.nc);
    const info = await jsm.streams.info('IDP_EVENTS');
    const events: Envelope[] = [];
    for (let seq = info.state.first_seq; seq <= info.state.last_seq; seq++) {
      const m = await jsm.streams.getMessage('IDP_EVENTS', { seq }).catch(() => null);
      if (m) events.push(m.json<Envelope>());
    }
    const subjects = new Set(events.map((e) => e.subject));
    for (const s of [
      'idp.saml.authn_request_received.v1',
      'idp.account.password_verified.v1',
      'idp.otp.code_issued.v1',
      'idp.otp.sms_sent.v1',
      'idp.otp.code_verified.v1',
      'idp.session.started.v1',
      'idp.saml.assertion_issued.v1',
      'idp.saml.authn_failed.v1',
      'idp.otp.verification_failed.v1',
      'idp.otp.challenge_locked.v1',
    ]) {
      expect(subjects, s).to.include(s);
    }
    const issued = events.find((e) => e.subject === 'idp.saml.assertion_issued.v1')!;
    const started = events.filter(
      (e) => e.subject === 'idp.session.started.v1' && e.correlationId === issued.correlationId,
    );
    expect(started, 'session.started shares the login transaction correlation id').to.have.length(1);
    // One correlation id for the whole login, from the request's arrival to the assertion.
    const journey = events.filter((e) => e.correlationId === issued.correlationId).map((e) => e.subject);
    expect(journey).to.include.members([
      'idp.saml.authn_request_received.v1',
      'idp.account.password_verified.v1',
      'idp.otp.code_issued.v1',
      'idp.otp.code_verified.v1',
      'idp.session.started.v1',
      'idp.saml.assertion_issued.v1',
    ]);
    const codes = readFileSync(smsFile(), 'utf8')
      .match(/#\d{6}/g)!
      .map((c) => c.slice(1));
    const everything = JSON.stringify(events);
    for (const secret of [EMAIL, PASSWORD, PHONE, '50223054', 'Novak', ...codes])
      expect(everything, secret).not.to.contain(secret);
  });
});
