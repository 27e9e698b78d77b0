import 'reflect-metadata';
import { request as httpsRequest } from 'node:https';
import { createPrivateKey, webcrypto, X509Certificate } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as x509 from '@peculiar/x509';
import { expect } from 'chai';
import { DomainError } from '@idp/events';
import { createSelfSignedCertificate } from '@idp/x509';
import type { HttpServer } from '@idp/web';
import { listenMtls } from './client-certificate.js';
import {
  ACCOUNT,
  Browser,
  hidden,
  mtlsApp,
  PASSWORD,
  SMS_ACCOUNT,
  startPages,
  testLog,
  type PagesUnderTest,
} from './__fixtures__/pages-harness.js';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);
const ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };

/** A test CA and a client certificate it issued (tax number in the subject's serialNumber). */
async function testPki() {
  const caKeys = (await webcrypto.subtle.generateKey(ALG, true, [
    'sign',
    'verify',
  ])) as webcrypto.CryptoKeyPair;
  const ca = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: '01',
    name: 'CN=Test Qualified CA, C=SI',
    notBefore: new Date(Date.now() - 86_400_000),
    notAfter: new Date(Date.now() + 365 * 86_400_000),
    keys: caKeys,
    signingAlgorithm: ALG,
    extensions: [new x509.BasicConstraintsExtension(true, undefined, true)],
  });
  const keys = (await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  const client = await x509.X509CertificateGenerator.create({
    serialNumber: '02',
    subject: 'CN=Ana Novak, C=SI, 2.5.4.5=TINSI-12345679',
    issuer: ca.subject,
    notBefore: new Date(Date.now() - 86_400_000),
    notAfter: new Date(Date.now() + 365 * 86_400_000),
    publicKey: keys.publicKey,
    signingKey: caKeys.privateKey,
    signingAlgorithm: ALG,
    extensions: [new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.clientAuth])],
  });
  const pkcs8 = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey));
  return {
    caPem: ca.toString('pem'),
    clientPem: client.toString('pem'),
    clientKeyPem: createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' })
      .export({ format: 'pem', type: 'pkcs8' })
      .toString(),
  };
}

/** Logs in through the gateway's own login pages; `smsCode` for an account with smsPASS. */
async function login(b: Browser, email: string, page = '/account', smsCode?: string) {
  const start = await b.get(page);
  expect(start.status).to.equal(303);
  expect(start.location).to.equal('/login');
  const form = await b.get('/login');
  expect(form.html).to.include('My account');
  const pw = await b.post('/login/password', { csrf: hidden(form.html, 'csrf'), email, password: PASSWORD });
  if (smsCode === undefined) {
    expect(pw.status).to.equal(303);
    return pw;
  }
  // The code page is the answer to the password post itself.
  expect(pw.status).to.equal(200);
  expect(pw.html).to.include('name="code"');
  return b.post('/login/code', { csrf: hidden(pw.html, 'csrf'), code: smsCode });
}

describe('idp-gateway user pages and smsPASS activation (real NATS and Redis, stand-in services)', function () {
  this.timeout(30_000);
  let t: PagesUnderTest;
  before(async () => {
    t = await startPages();
  });
  after(async () => t?.close());
  beforeEach(() => {
    delete t.world.request;
    t.world.calls.clear();
  });

  it('starts a login at the gateway itself and comes back to the page with a session', async () => {
    const b = new Browser(t.url);
    const done = await login(b, 'ana@example.si');
    expect(done.location).to.equal('/account');
    expect(b.cookies.has('idp_session')).to.equal(true);
    expect(b.cookies.has('idp_tx')).to.equal(false);
    const page = await b.get('/account');
    expect(page.status).to.equal(200);
    expect(page.html).to.include('ana@example.si');
    // Personal data is escaped.
    expect(page.html).to.include('Novak &lt;b&gt;');
    expect(t.calls('otpIssue')).to.have.length(0);
  });

  it('asks for the SMS code when smsPASS is active, naming no e-service', async () => {
    const b = new Browser(t.url);
    const done = await login(b, 'bor@example.si', '/account/password', '123456');
    expect(done.location).to.equal('/account/password');
    expect(t.calls('otpIssue')).to.deep.equal([
      { accountId: SMS_ACCOUNT, serviceName: 'SI-PASS', purpose: 'login' },
    ]);
    // The issue RPC's answer rendered the code page: its state was not asked for again.
    expect(t.calls('otpStatus')).to.have.length(0);
    expect((await b.get('/account/password')).status).to.equal(200);
  });

  it('answers a reloaded password post with the code page again, sending no second code', async () => {
    const b = new Browser(t.url);
    await b.get('/account');
    const form = await b.get('/login');
    const fields = { csrf: hidden(form.html, 'csrf'), email: 'bor@example.si', password: PASSWORD };
    const first = await b.post('/login/password', fields);
    expect(first.status).to.equal(200);
    const again = await b.post('/login/password', fields);
    expect(again.status).to.equal(200);
    expect(again.html).to.include('name="code"');
    expect(t.calls('otpIssue')).to.have.length(1);
    // Without the issue RPC's answer in hand, the page asks otp-sender where the SMS stands.
    expect(t.calls('otpStatus')).to.have.length(1);
    const done = await b.post('/login/code', { csrf: hidden(again.html, 'csrf'), code: '123456' });
    expect(done.location).to.equal('/account');
  });

  it('raises a password-only session in place when the account has smsPASS', async () => {
    const b = new Browser(t.url);
    const now = new Date();
    const s = t.store.newSession(
      { accountId: SMS_ACCOUNT, loa: 'low', methods: ['password'], authnInstant: now.toISOString() },
      now,
    );
    s.participants.push({
      spEntityId: 'https://sp.test',
      nameId: 'n',
      nameIdFormat: 'persistent',
      sessionIndex: 'i',
    });
    await t.store.putSession(s, now);
    b.cookies.set('idp_session', s.id);
    const done = await login(b, 'bor@example.si', '/account', '123456');
    expect(done.location).to.equal('/account');
    expect(b.cookies.get('idp_session')).to.equal(s.id);
    const raised = await t.store.getSession(s.id, new Date());
    expect(raised).to.include({ loa: 'substantial' });
    expect(raised!.participants).to.have.length(1);
  });

  it('logs out from the user pages with the session CSRF token, and not without it', async () => {
    const b = new Browser(t.url);
    await login(b, 'ana@example.si');
    const page = await b.get('/account');
    expect(page.html).to.include('action="/logout"');
    const sessionId = b.cookies.get('idp_session')!;

    const forged = await b.post('/logout', { csrf: 'not-the-token' });
    expect(forged.status).to.equal(403);
    expect(await t.store.getSession(sessionId, new Date())).to.not.equal(undefined);

    const out = await b.post('/logout', { csrf: hidden(page.html, 'csrf') });
    expect(out.status).to.equal(200);
    expect(out.html).to.include('You are logged out');
    // No e-service was in the session: nobody was left untold.
    expect(out.html).to.not.include('could not be told');
    expect(await t.store.getSession(sessionId, new Date())).to.equal(undefined);
    expect(b.cookies.has('idp_session')).to.equal(false);
    const again = await b.get('/account');
    expect(again.status).to.equal(303);
    expect(again.location).to.equal('/login');
  });

  it('tells the citizen when an e-service of the session could not be sent its LogoutRequest', async () => {
    const b = new Browser(t.url);
    const now = new Date();
    const s = t.store.newSession(
      { accountId: ACCOUNT, loa: 'low', methods: ['password'], authnInstant: now.toISOString() },
      now,
    );
    // Registered nowhere: the gateway must not send anything to an address it does not know.
    s.participants.push({
      spEntityId: 'https://gone.test',
      nameId: 'n',
      nameIdFormat: 'persistent',
      sessionIndex: 'i',
    });
    await t.store.putSession(s, now);
    b.cookies.set('idp_session', s.id);
    const page = await b.get('/account');
    const out = await b.post('/logout', { csrf: hidden(page.html, 'csrf') });
    expect(out.status).to.equal(200);
    expect(out.html).to.include('could not be told');
    expect(await t.store.getSession(s.id, new Date())).to.equal(undefined);
  });

  it('refuses a post without the session CSRF token and changes nothing', async () => {
    const b = new Browser(t.url);
    await login(b, 'ana@example.si');
    const res = await b.post('/account/password', {
      csrf: 'forged',
      currentPassword: PASSWORD,
      password: 'x'.repeat(20),
    });
    expect(res.status).to.equal(403);
    const contact = await b.post('/account/contact', { language: 'en', addEmail: 'ana2@example.si' });
    expect(contact.status).to.equal(403);
    expect(t.calls('changePassword')).to.have.length(0);
    expect(t.calls('updateContactData')).to.have.length(0);
  });

  it('changes the password, showing a wrong current password at its field', async () => {
    const b = new Browser(t.url);
    await login(b, 'ana@example.si');
    const page = await b.get('/account/password');
    expect(page.html).to.include('autocomplete="current-password"');
    expect(page.html).to.include('autocomplete="new-password"');
    const csrf = hidden(page.html, 'csrf');
    const wrong = await b.post('/account/password', {
      csrf,
      currentPassword: 'nope',
      password: 'a new long password',
    });
    expect(wrong.status).to.equal(401);
    expect(wrong.html).to.include('id="currentPassword-error"');
    const ok = await b.post('/account/password', {
      csrf,
      currentPassword: PASSWORD,
      password: 'a new long password',
    });
    expect(ok.location).to.equal('/account?saved=password');
    expect(t.calls('changePassword').at(-1)).to.deep.equal({
      accountId: ACCOUNT,
      currentPassword: PASSWORD,
      newPassword: 'a new long password',
    });
  });

  it('edits contact data (language, contact e-mails) but not the address, which links to a correction', async () => {
    const b = new Browser(t.url);
    await login(b, 'ana@example.si');
    const page = await b.get('/account/contact');
    expect(page.html).not.to.include('name="street"');
    expect(page.html).to.include('href="/account/correction"');
    const res = await b.post('/account/contact', {
      csrf: hidden(page.html, 'csrf'),
      // An address posted anyway is not contact data: it goes nowhere.
      street: 'Drugje 2',
      postalCode: '2000',
      city: 'Maribor',
      country: 'si',
      language: 'en',
      addEmail: 'ana2@example.si',
      removeEmail: 'ana.work@example.si',
    });
    expect(res.location).to.equal('/account?saved=contact');
    expect(t.calls('updateContactData')).to.deep.equal([
      {
        accountId: ACCOUNT,
        addEmails: ['ana2@example.si'],
        removeEmails: ['ana.work@example.si'],
        addPhones: [],
        language: 'en',
      },
    ]);
  });

  it('takes a request on path ra through the activation code and SMS code to smsPASS', async () => {
    const b = new Browser(t.url);
    await login(b, 'ana@example.si', '/account/smspass');
    let page = await b.get('/account/smspass');
    const csrf = hidden(page.html, 'csrf');
    const unconfirmed = await b.post('/account/smspass/request', { csrf, path: 'ra' });
    expect(unconfirmed.status).to.equal(400);
    expect(unconfirmed.html).to.include('id="confirm-error"');
    expect(t.calls('activationRequest')).to.have.length(0);
    expect(
      (await b.post('/account/smspass/request', { csrf, path: 'ra', confirm: 'yes' })).location,
    ).to.equal('/account/smspass');
    expect(t.calls('activationRequest')).to.deep.equal([
      { accountId: ACCOUNT, path: 'ra', personalDataConfirmed: true },
    ]);
    page = await b.get('/account/smspass');
    expect(page.html).to.include('A-7KQ2M9XD');
    t.world.request = { ...t.world.request!, state: 'code_sent', codeChannel: 'email', codeAttemptsLeft: 5 };
    const wrong = await b.post('/account/smspass/code', {
      csrf,
      code: 'AAAA-BBBB-CCCC',
      phone: '+386 41 123 456',
    });
    expect(wrong.status).to.equal(400);
    expect(wrong.html).to.include('id="code-error"');
    const right = await b.post('/account/smspass/code', {
      csrf,
      code: '7KQ2-M9XD-4HTR',
      phone: '00386 (41) 123-456',
    });
    expect(right.location).to.equal('/account/smspass');
    expect(t.calls('enterCode').at(-1)).to.include({
      phone: '+38641123456',
      requestId: t.world.request.requestId,
    });
    page = await b.get('/account/smspass');
    expect(page.html).to.include('autocomplete="one-time-code"');
    const done = await b.post('/account/smspass/phone', { csrf, smsCode: '123456' });
    expect(done.location).to.equal('/account?saved=smspass');
    expect(t.calls('confirmPhone')).to.have.length(1);
  });

  it('comes back from a step-up login to the page with its query, so the notice of what was done shows', async () => {
    const b = new Browser(t.url);
    const now = new Date();
    const s = t.store.newSession(
      { accountId: SMS_ACCOUNT, loa: 'low', methods: ['password'], authnInstant: now.toISOString() },
      now,
    );
    await t.store.putSession(s, now);
    b.cookies.set('idp_session', s.id);
    // As after the phone is proven: smsPASS is active now, so the password-only session must step up.
    const done = await login(b, 'bor@example.si', '/account?saved=smspass', '123456');
    expect(done.location).to.equal('/account?saved=smspass');
    const page = await b.get('/account?saved=smspass');
    expect(page.html).to.include('smsPASS is active');
  });

  it('cancels an open request', async () => {
    const b = new Browser(t.url);
    await login(b, 'ana@example.si', '/account/smspass');
    const csrf = hidden((await b.get('/account/smspass')).html, 'csrf');
    await b.post('/account/smspass/request', { csrf, path: 'ra', confirm: 'yes' });
    expect((await b.post('/account/smspass/cancel', { csrf })).location).to.equal('/account/smspass');
    expect(t.calls('activationCancel')).to.have.length(1);
    expect((await b.get('/account/smspass')).html).to.include(
      'previous request was not completed (cancelled)',
    );
  });

  describe('the client certificate', () => {
    let pki: Awaited<ReturnType<typeof testPki>>;
    let mtls: HttpServer;
    let dir: string;
    before(async () => {
      pki = await testPki();
      const server = await createSelfSignedCertificate({ commonName: 'localhost', keyType: 'ec' });
      dir = mkdtempSync(join(tmpdir(), 'gw-mtls-'));
      writeFileSync(join(dir, 'key.pem'), server.keyPem);
      writeFileSync(join(dir, 'cert.pem'), server.certPem);
      writeFileSync(join(dir, 'ca.pem'), pki.caPem);
      mtls = await listenMtls(mtlsApp(t), {
        host: '127.0.0.1',
        port: 0,
        keyFile: join(dir, 'key.pem'),
        certFile: join(dir, 'cert.pem'),
        caFile: join(dir, 'ca.pem'),
        log: testLog,
      });
    });
    after(async () => {
      await mtls?.close();
      rmSync(dir, { recursive: true, force: true });
    });

    /** A browser session at state awaiting_certificate; returns its cookies and CSRF token. */
    const atCertificateStep = async () => {
      const b = new Browser(t.url);
      await login(b, 'ana@example.si', '/account/smspass');
      const csrf = hidden((await b.get('/account/smspass')).html, 'csrf');
      await b.post('/account/smspass/request', { csrf, path: 'certificate', confirm: 'yes' });
      const page = await b.get('/account/smspass');
      expect(page.html).to.include('action="https://idp.test:8443/account/smspass/certificate"');
      return { b, csrf };
    };

    const postMtls = (b: Browser, csrf: string, withCert: boolean) =>
      new Promise<{ status: number; location: string | undefined }>((resolve, reject) => {
        const body = new URLSearchParams({ csrf }).toString();
        const req = httpsRequest(
          {
            host: '127.0.0.1',
            port: mtls.port,
            method: 'POST',
            path: '/account/smspass/certificate',
            // The test server's certificate is self-signed for localhost; trust is not what is tested here.
            rejectUnauthorized: false,
            headers: {
              'content-type': 'application/x-www-form-urlencoded',
              cookie: [...b.cookies].map(([k, v]) => `${k}=${v}`).join('; '),
            },
            ...(withCert ? { cert: pki.clientPem, key: pki.clientKeyPem } : {}),
          },
          (res) => {
            res.resume();
            res.on('end', () => resolve({ status: res.statusCode!, location: res.headers.location }));
          },
        );
        req.on('error', reject);
        req.end(body);
      });

    it('passes the certificate from the mTLS handshake to activation and returns to the public page', async () => {
      const { b, csrf } = await atCertificateStep();
      const res = await postMtls(b, csrf, true);
      expect(res).to.deep.equal({ status: 303, location: 'https://idp.test/account/smspass' });
      const [call] = t.calls('presentCertificate') as { certificatePem: string; accountId: string }[];
      expect(call!.accountId).to.equal(ACCOUNT);
      const got = new X509Certificate(call!.certificatePem);
      expect(got.fingerprint256).to.equal(new X509Certificate(pki.clientPem).fingerprint256);
      expect(got.checkIssued(new X509Certificate(pki.caPem))).to.equal(true);
    });

    it('says when no certificate came, and refuses a forged CSRF token', async () => {
      const { b, csrf } = await atCertificateStep();
      expect((await postMtls(b, csrf, false)).location).to.equal(
        'https://idp.test/account/smspass?certificate=missing',
      );
      expect((await postMtls(b, 'forged', true)).location).to.equal(
        'https://idp.test/account/smspass?certificate=form',
      );
      expect(t.calls('presentCertificate')).to.have.length(0);
      const page = await b.get('/account/smspass?certificate=missing');
      expect(page.html).to.include('did not send a digital certificate');
    });

    it("shows activation's precise refusal", async () => {
      const { b, csrf } = await atCertificateStep();
      // The stand-in refuses the way activation does: a typed error reply.
      t.world.judgeCertificate = () => {
        throw new DomainError('permission_denied', 'activation.certificate_subject_mismatch', {
          message: 'tax',
        });
      };
      try {
        const res = await postMtls(b, csrf, true);
        expect(res.location).to.equal('https://idp.test/account/smspass?certificate=mismatch');
      } finally {
        delete t.world.judgeCertificate;
      }
    });

    it('believes the proxy header only when TRUST_PROXY is on and the request came from the proxy', async () => {
      const header = 'x-ssl-client-cert';
      const escaped = encodeURIComponent(pki.clientPem);
      const trusting = await t.startApp({ trustProxy: true, header });
      const notTrusting = await t.startApp({ trustProxy: false, header });

      const { b, csrf } = await atCertificateStep();
      const proxied = new Browser(trusting.url, { [header]: escaped });
      for (const [k, v] of b.cookies) proxied.cookies.set(k, v);
      const ok = await proxied.post('/account/smspass/certificate', { csrf });
      expect(ok.location).to.equal('https://idp.test/account/smspass');
      const [call] = t.calls('presentCertificate') as { certificatePem: string }[];
      expect(call!.certificatePem).to.equal(pki.clientPem);

      t.world.calls.clear();
      const direct = new Browser(notTrusting.url, { [header]: escaped });
      for (const [k, v] of b.cookies) direct.cookies.set(k, v);
      const refused = await direct.post('/account/smspass/certificate', { csrf });
      expect(refused.status).to.equal(404);
      expect(t.calls('presentCertificate')).to.have.length(0);
    });
  });
});
