import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { activationRpc, createRpcClient } from '@idp/events';
import { selfSignedCertificate, waitFor } from '@idp/testing';
import { startDemoSp, type DemoSp } from '../sp/demo-sp.js';
import { Browser, type Page, waitForSpAtGateway } from './support/browser.js';
import {
  DAY,
  eventsOf,
  formError,
  freePort,
  fromMail,
  officerEnrols,
  presentOverMtls,
  registerAndLogIn,
  type Citizen,
} from './support/citizen.js';
import { pdfTextRuns } from './support/pdf-text.js';
import {
  createCa,
  createClientCertificate,
  createCrl,
  type ClientCertificate,
  type TestCa,
} from './support/pki.js';
import { sinks } from './support/sinks.js';
import { createOfficer } from './support/officer-console.js';
import { startStack, type Stack } from './support/stack.js';

// Tax numbers with a valid mod-11 check digit; each path has a citizen of its own.
const ANA: Citizen = {
  email: 'ana.kovac@example.si',
  password: 'ana has a long passphrase 2026',
  givenName: 'Ana',
  familyName: 'Kovač',
  taxNumber: '12345679',
  birthDate: '1988-04-12',
  phone: '+38640111222',
};
const BORIS: Citizen = {
  email: 'boris.kranjc@example.si',
  password: 'boris has a long passphrase 2026',
  givenName: 'Boris',
  familyName: 'Kranjc',
  taxNumber: '23456787',
  birthDate: '1979-11-30',
  phone: '+38641333444',
};
const OFFICER = { email: 'officer@upravna-enota.si', password: 'officer password 2026' };
const TAX_NUMBER_OID = 'urn:oid:1.3.6.1.4.1.44044.1.1.1.2';

/**
 * smsPASS from nothing to a two-factor SAML login, over HTTP only, as a browser without
 * JavaScript: registration, the mailed confirmation link, the local login, the activation request,
 * then either an officer confirming the identity in the console (path `ra`, code by e-mail) or a
 * client certificate of a test CA on the gateway's mTLS listener (path `certificate`, code by
 * letter), the code and phone, the SMS code, and finally a login at a node-saml SP.
 */
describe('smsPASS activation end to end: registration → activation → two-factor login at node-saml', function () {
  this.timeout(180_000);
  let stack: Stack;
  let sp: DemoSp;
  let pkiDir: string;
  let trusted: TestCa;
  let stranger: TestCa;
  let revoked: ClientCertificate;
  let mtlsPort: number;
  let consoleUrl: string;

  before(async () => {
    pkiDir = mkdtempSync(join(tmpdir(), 'idp-e2e-pki-'));
    trusted = await createCa('Test Qualified CA');
    stranger = await createCa('Someone Else CA');
    revoked = await createClientCertificate(trusted, {
      commonName: 'Boris Kranjc',
      taxNumber: BORIS.taxNumber,
    });
    const server = await selfSignedCertificate({ commonName: '127.0.0.1' });
    writeFileSync(join(pkiDir, 'ca.pem'), trusted.pem);
    writeFileSync(join(pkiDir, 'crl.pem'), await createCrl(trusted, [revoked.serialNumber]));
    writeFileSync(join(pkiDir, 'server-key.pem'), server.keyPem, { mode: 0o600 });
    writeFileSync(join(pkiDir, 'server-cert.pem'), server.certPem);
    mtlsPort = await freePort();

    stack = await startStack({
      serviceEnv: {
        activation: {
          ACTIVATION_TRUSTED_CA_FILES: join(pkiDir, 'ca.pem'),
          ACTIVATION_CRL_FILES: join(pkiDir, 'crl.pem'),
          ACTIVATION_REQUIRE_CRL: 'true',
          LETTERS_DIR: join(pkiDir, 'letters'),
          ACTIVATION_DEV_SECRETS_FILE: join(pkiDir, 'activation-secrets.json'),
        },
        'idp-gateway': {
          MTLS_PORT: String(mtlsPort),
          MTLS_KEY_FILE: join(pkiDir, 'server-key.pem'),
          MTLS_CERT_FILE: join(pkiDir, 'server-cert.pem'),
          MTLS_CA_FILE: join(pkiDir, 'ca.pem'),
          MTLS_PUBLIC_URL: `https://127.0.0.1:${mtlsPort}`,
        },
        'registration-authority': { RA_TOTP_KEY: randomBytes(32).toString('base64') },
      },
    });
    consoleUrl = `http://127.0.0.1:${stack.base + 10}`;
    sp = await startDemoSp({
      idpMetadataUrl: `${stack.gatewayUrl}/saml/metadata`,
      baseUrl: `http://127.0.0.1:${stack.base + 90}`,
      port: stack.base + 90,
      registryDir: join(stack.dir, 'sp-registry'),
      policy: { allowedMethods: ['password_sms'], minLoa: 'substantial' },
    });
    await createOfficer(stack.nc, OFFICER, 'e2e-officer');
    await waitForSpAtGateway(sp.url);
  });
  after(async () => {
    await sp?.close();
    await stack?.close();
    if (pkiDir) rmSync(pkiDir, { recursive: true, force: true });
  });

  const gw = (path: string) => `${stack.gatewayUrl}${path}`;
  const smsTo = (phone: string) => sinks(stack).smsTo(phone);
  const nextSmsCode = (phone: string, before: number) => sinks(stack).nextSmsCode(phone, before);

  /** Asks for smsPASS on the given path; returns the request number the page shows. */
  async function requestSmsPass(
    b: Browser,
    path: 'ra' | 'certificate',
  ): Promise<{ page: Page; number: string }> {
    const start = await b.go(gw('/account/smspass'));
    expect(start.has(`value="${path}"`)).to.equal(true);
    const page = await b.submit(start, '/account/smspass/request', { confirm: 'yes', path });
    expect(page.url.pathname, page.html).to.equal('/account/smspass');
    const number = /id="request-number">([^<]+)</.exec(page.html)?.[1];
    expect(number, page.html).to.match(/^[A-Z]-[0-9A-Z]{8}$/);
    return { page, number: number! };
  }

  /** The activation code and phone, then the SMS code: smsPASS is active. */
  async function enterCodeAndPhone(b: Browser, who: Citizen, code: string) {
    const page = await b.go(gw('/account/smspass'));
    const before = smsTo(who.phone).length;
    // Typed as people do: spaces in the phone number.
    const pending = await b.submit(page, '/account/smspass/code', {
      code,
      phone: `${who.phone.slice(0, 4)} ${who.phone.slice(4, 6)} ${who.phone.slice(6)}`,
    });
    expect(pending.has('name="smsCode"'), pending.html).to.equal(true);
    const smsCode = await nextSmsCode(who.phone, before);
    const done = await b.submit(pending, '/account/smspass/phone', { smsCode });
    // smsPASS is active now, so the password-only session is stepped up before the account page.
    expect(done.url.pathname, done.html).to.equal('/login');
    const stepUpSms = smsTo(who.phone).length;
    const codePage = await b.submit(done, '/login/password', { email: who.email, password: who.password });
    expect(codePage.has('autocomplete="one-time-code"'), codePage.html).to.equal(true);
    const account = await b.submit(codePage, '/login/code', {
      code: await nextSmsCode(who.phone, stepUpSms),
    });
    // The local login returns to the page itself (its return target is a fixed path, never the query).
    expect(account.url.pathname, account.html).to.equal('/account');
    expect(account.has(`${who.phone} (verified)`)).to.equal(true);
    const status = await b.go(gw('/account/smspass'));
    expect(status.has('smsPASS is active')).to.equal(true);
  }

  /** A fresh browser logs in at the SP with password and SMS code; the SP checks the assertion. */
  async function twoFactorSamlLogin(who: Citizen) {
    const b = new Browser();
    const start = await b.go(`${sp.url}/login`);
    expect(start.has('/login/password')).to.equal(true);
    const before = smsTo(who.phone).length;
    const codePage = await b.submit(start, '/login/password', { email: who.email, password: who.password });
    expect(codePage.has('autocomplete="one-time-code"'), codePage.html).to.equal(true);
    const posted = await b.submit(codePage, '/login/code', { code: await nextSmsCode(who.phone, before) });
    expect(posted.has('name="SAMLResponse"'), posted.html).to.equal(true);
    const result = await b.submit(posted, '/saml/acs');
    expect(result.status, result.html).to.equal(200);
    expect(result.has('Logged in')).to.equal(true);
    expect(result.html).to.contain(`data-name="${TAX_NUMBER_OID}">${who.taxNumber}<`);
    expect(result.html).to.contain(`>${who.familyName}<`);
    expect(result.html).to.contain(`>${who.birthDate}<`);
  }

  it('path A: registration → request at a registration office → an officer approves in the console → code by e-mail → phone → SAML login', async () => {
    const b = await registerAndLogIn(stack, ANA);
    const { page, number } = await requestSmsPass(b, 'ra');
    expect(page.has('Visit a registration office')).to.equal(true);

    const o = await officerEnrols(consoleUrl, OFFICER);

    const found = await o.go(`${consoleUrl}/requests?q=${ANA.taxNumber}`);
    expect(found.html).to.contain(`href="/requests/${number}"`);
    const detail = await o.go(`${consoleUrl}/requests/${number}`);
    expect(detail.html).to.contain(ANA.familyName);
    const expiresOn = new Date(Date.now() + 5 * 365 * DAY).toISOString().slice(0, 10);
    const approved = await o.submit(detail, `/requests/${number}/approve`, {
      documentType: 'identity_card',
      documentNumber: '004512345',
      documentExpiresOn: expiresOn,
    });
    expect(approved.url.pathname + approved.url.search, approved.html).to.equal(
      `/requests/${number}?done=approved`,
    );

    // Mail #1 was the confirmation link; #2 carries the activation code.
    const code = await fromMail(stack, ANA.email, 2, /\b([0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4})\b/);
    const sent = await waitFor(
      'code_sent shown',
      async () => {
        const p = await b.go(gw('/account/smspass'));
        return p.has('sent your activation code by e-mail') && p;
      },
      15_000,
      200,
    );
    expect(sent.has('name="phone"')).to.equal(true);
    await enterCodeAndPhone(b, ANA, code);
    await twoFactorSamlLogin(ANA);
  });

  it('path B: registration → certificate request → wrong tax number, expired, revoked and untrusted certificates refused → the right one → code by letter → phone → SAML login', async () => {
    const b = await registerAndLogIn(stack, BORIS);
    const { page, number } = await requestSmsPass(b, 'certificate');
    const action = page.form('/account/smspass/certificate');
    expect(action.action).to.equal(`https://127.0.0.1:${mtlsPort}/account/smspass/certificate`);

    /** Presents `cert` and returns the public page the redirect leads to. */
    const presentAndFollow = async (cert: ClientCertificate): Promise<{ location: URL; page: Page }> => {
      const location = await presentOverMtls(action, cert, b.cookiesFor(gw('/account/smspass'))!);
      return { location, page: await b.go(gw(location.pathname + location.search)) };
    };

    const refusals: [string, ClientCertificate, string, string][] = [
      [
        'another tax number',
        await createClientCertificate(trusted, { commonName: 'Boris Kranjc', taxNumber: '31415920' }),
        'mismatch',
        'The tax number in the certificate does not match yours.',
      ],
      [
        'expired',
        await createClientCertificate(trusted, {
          commonName: 'Boris Kranjc',
          taxNumber: BORIS.taxNumber,
          notBefore: new Date(Date.now() - 400 * DAY),
          notAfter: new Date(Date.now() - DAY),
        }),
        'untrusted',
        'The certificate is not from a recognised issuer or is not valid.',
      ],
      ['revoked', revoked, 'revoked', 'The certificate has been revoked.'],
      [
        'from an untrusted CA',
        await createClientCertificate(stranger, { commonName: 'Boris Kranjc', taxNumber: BORIS.taxNumber }),
        'untrusted',
        'The certificate is not from a recognised issuer or is not valid.',
      ],
    ];
    for (const [what, cert, outcome, message] of refusals) {
      const { location, page: refused } = await presentAndFollow(cert);
      expect(location.searchParams.get('certificate'), what).to.equal(outcome);
      expect(formError(refused) ?? refused.html, what).to.contain(message);
      // The request stays open: the citizen may present another certificate.
      expect(refused.has(action.action), what).to.equal(true);
    }
    const reasons = await waitFor(
      'four certificate_refused events',
      async () => {
        const e = await eventsOf(stack, 'idp.activation.certificate_refused.v1');
        return e.length >= 4 && e.map((x) => (x.data as { reason: string }).reason);
      },
      10_000,
      200,
    );
    expect(reasons).to.deep.equal(['subject_mismatch', 'expired', 'revoked', 'untrusted']);

    const right = await createClientCertificate(trusted, {
      commonName: 'Boris Kranjc',
      taxNumber: BORIS.taxNumber,
    });
    const { location, page: accepted } = await presentAndFollow(right);
    expect(location.search).to.equal('');
    expect(accepted.has('sent your activation code by letter'), accepted.html).to.equal(true);

    // The print queue: the letter's PDF holds the code, which is what the citizen would type.
    const rpc = createRpcClient(stack.nc, { defaultTimeoutMs: 10_000 });
    const { letters } = await rpc.call(
      activationRpc.listLetters,
      { state: 'queued' },
      { correlationId: 'e2e-letters' },
    );
    const letter = letters.find((l) => l.requestNumber === number);
    expect(letter, JSON.stringify(letters)).to.not.equal(undefined);
    const runs = pdfTextRuns(readFileSync(letter!.pdfPath));
    expect(runs).to.include(`${BORIS.givenName} ${BORIS.familyName}`);
    const code = runs.find((r) => /^[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}$/.test(r));
    expect(code, runs.join('\n')).to.be.a('string');

    await enterCodeAndPhone(b, BORIS, code!);
    await twoFactorSamlLogin(BORIS);
  });
});
