import { expect } from 'chai';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser as Chromium, BrowserContext, Page } from 'playwright-core';
import { accountsRpc, createRpcClient } from '@idp/events';
import { waitFor } from '@idp/testing';
import { startDemoSp, type DemoSp } from '../sp/demo-sp.js';
import { waitForSpAtGateway } from './support/browser.js';
import {
  accessibilityProblems,
  atGatewaySso,
  launchChromium,
  openTab,
  servedIcon,
  type Tab,
} from './support/chromium.js';
import { startStack, type Stack } from './support/stack.js';

const PHONE = '+38640123456';
const EMAIL = 'ana.novak@example.si';
const PASSWORD = 'correct horse battery staple';

/**
 * The login in a real browser (Chromium through playwright-core), with JavaScript on: the demo SP
 * (node-saml) sends the citizen to the gateway, who passes both login pages, in Slovenian and in
 * English, and lands on the SP's "Logged in" page after the auto-submitted SAML POST form.
 * Every URL is http://localhost: Chromium treats it as a secure context, so the gateway's Secure
 * cookies are kept (it would drop them on http://127.0.0.1).
 */
describe('login in a real browser (Chromium): both pages, both languages, accessibility', function () {
  this.timeout(120_000);
  let stack: Stack;
  let sp: DemoSp;
  let spUrl: string;
  /** The gateway's public URL (PUBLIC_URL from the launcher), as the browser sees it. */
  let gwUrl: string;
  let chromium: Chromium;
  let tab: Tab;
  let context: BrowserContext;
  let page: Page;
  let problems: string[];

  before(async function () {
    chromium = await launchChromium();
    stack = await startStack();
    const port = stack.base + 91;
    spUrl = `http://localhost:${port}`;
    gwUrl = `http://localhost:${stack.base}`;
    sp = await startDemoSp({
      idpMetadataUrl: `${stack.gatewayUrl}/saml/metadata`,
      baseUrl: spUrl,
      port,
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
      { correlationId: 'e2e-browser-seed' },
    );
    await waitForSpAtGateway(sp.url);
    // Accept-Language: sl-SI, so the first login is in Slovenian without choosing anything.
    tab = await openTab(chromium, { locale: 'sl-SI', viewport: { width: 800, height: 640 } });
    ({ context, page, problems } = tab);
  });

  after(async () => {
    await chromium?.close().catch(() => undefined);
    await sp?.close();
    await stack?.close();
  });

  const smsFile = () => join(stack.dir, 'dev-sms.jsonl');
  const smsLines = () =>
    existsSync(smsFile()) ? readFileSync(smsFile(), 'utf8').trim().split('\n').filter(Boolean) : [];
  /** The code of the next SMS, read from the development sink as the citizen would read the phone. */
  async function nextCode(before: number): Promise<string> {
    await waitFor('SMS sent', () => smsLines().length > before, 15_000, 100);
    const sms = JSON.parse(smsLines().at(-1)!) as { to: string; text: string };
    expect(sms.to).to.equal(PHONE);
    expect(sms.text).to.match(/@localhost #\d{6}$/);
    return /#(\d{6})$/.exec(sms.text)![1]!;
  }

  const shot = (name: string) => tab.shot(name);

  /** Each input has a <label for> naming it, and the autocomplete the password managers need. */
  async function checkInput(id: string, label: string, autocomplete: string) {
    const input = page.getByLabel(label, { exact: true });
    expect(await input.getAttribute('id')).to.equal(id);
    expect(await input.getAttribute('autocomplete')).to.equal(autocomplete);
    expect(await page.locator(`label[for="${id}"]`).innerText()).to.equal(label);
  }

  async function checkLoginPage(lang: 'sl' | 'en') {
    const m =
      lang === 'sl'
        ? { h1: 'Prijava v e-storitev', email: 'E-poštni naslov (uporabniško ime)', password: 'Geslo' }
        : { h1: 'Log in to the e-service', email: 'E-mail address (account name)', password: 'Password' };
    expect(await page.locator('html').getAttribute('lang')).to.equal(lang);
    expect(await page.getByRole('heading', { level: 1 }).innerText()).to.equal(m.h1);
    expect(await page.locator('.sp').innerText()).to.equal(
      lang === 'sl' ? 'Demo e-storitev' : 'Demo e-service',
    );
    await checkInput('email', m.email, 'username');
    await checkInput('password', m.password, 'current-password');
    expect(await accessibilityProblems(page)).to.deep.equal([]);
    expect(await servedIcon(page)).to.deep.equal({ status: 200, type: 'image/svg+xml' });
    return m;
  }

  async function checkCodePage(lang: 'sl' | 'en') {
    const m = lang === 'sl' ? { h1: 'Koda iz SMS', code: 'Koda' } : { h1: 'Code from SMS', code: 'Code' };
    expect(await page.locator('html').getAttribute('lang')).to.equal(lang);
    expect(await page.getByRole('heading', { level: 1 }).innerText()).to.equal(m.h1);
    await checkInput('code', m.code, 'one-time-code');
    expect(await page.locator('#code').getAttribute('inputmode')).to.equal('numeric');
    expect(await page.locator('main').innerText()).to.contain('+386');
    expect(await accessibilityProblems(page)).to.deep.equal([]);
    return m;
  }

  /** Code typed in, then the auto-submitted SAML POST form (JavaScript) lands on the SP. */
  async function enterCodeAndLand(codeLabel: string, before: number) {
    await page.getByLabel(codeLabel, { exact: true }).fill(await nextCode(before));
    await Promise.all([page.waitForURL(`${spUrl}/saml/acs`), page.keyboard.press('Enter')]);
    expect(await page.getByRole('heading', { level: 1 }).innerText()).to.equal('Logged in');
    expect(await page.locator('td[data-name="urn:oid:1.3.6.1.4.1.44044.1.1.1.2"]').innerText()).to.equal(
      '50223054',
    );
    const text = await page.locator('table').innerText();
    expect(text).to.contain('Ana').and.to.contain('Novak').and.to.contain('1990-05-17');
  }

  it('in Slovenian (Accept-Language): wrong password error tied to the fields, then password and code', async () => {
    await page.goto(`${spUrl}/`);
    await Promise.all([page.waitForURL(atGatewaySso(gwUrl)), page.locator('#login').click()]);
    const m = await checkLoginPage('sl');
    await shot('login-sl');

    await page.getByLabel(m.email, { exact: true }).fill(EMAIL);
    await page.getByLabel(m.password, { exact: true }).fill('not the password');
    await Promise.all([page.waitForLoadState('load'), page.getByRole('button', { name: 'Naprej' }).click()]);
    const error = page.locator('#form-error');
    expect(await error.innerText()).to.equal('Napačno uporabniško ime ali geslo.');
    expect(await error.getAttribute('role')).to.equal('alert');
    for (const id of ['email', 'password']) {
      expect(await page.locator(`#${id}`).getAttribute('aria-describedby')).to.equal('form-error');
      expect(await page.locator(`#${id}`).getAttribute('aria-invalid')).to.equal('true');
    }
    // The account name stays filled in; the password does not.
    expect(await page.locator('#email').inputValue()).to.equal(EMAIL);
    expect(await accessibilityProblems(page)).to.deep.equal([]);
    await shot('wrong-password');

    const before = smsLines().length;
    await page.getByLabel(m.password, { exact: true }).fill(PASSWORD);
    // The code page is the answer to the password post.
    await Promise.all([
      page.waitForURL(`${gwUrl}/login/password`),
      page.getByRole('button', { name: 'Naprej' }).click(),
    ]);
    const c = await checkCodePage('sl');
    await enterCodeAndLand(c.code, before);
    expect(problems, problems.join('\n')).to.deep.equal([]);
  });

  it('in English (the language switch): both pages, and the SP shows the attributes', async () => {
    // A new citizen on the same browser: no SSO session, no language cookie.
    await context.clearCookies();
    await page.goto(`${spUrl}/`);
    await Promise.all([page.waitForURL(atGatewaySso(gwUrl)), page.locator('#login').click()]);
    await checkLoginPage('sl');
    await Promise.all([
      page.waitForURL(`${gwUrl}/login?lang=en`),
      page.getByRole('link', { name: 'English' }).click(),
    ]);
    const m = await checkLoginPage('en');
    expect(await page.getByRole('link', { name: 'Slovenščina' }).getAttribute('hreflang')).to.equal('sl');
    await shot('login-en');

    const before = smsLines().length;
    await page.getByLabel(m.email, { exact: true }).fill(EMAIL);
    await page.getByLabel(m.password, { exact: true }).fill(PASSWORD);
    // The code page is the answer to the password post.
    await Promise.all([
      page.waitForURL(`${gwUrl}/login/password`),
      page.getByRole('button', { name: 'Continue' }).click(),
    ]);
    const c = await checkCodePage('en');
    await nextCode(before);
    await shot('code-en');
    await enterCodeAndLand(c.code, before);
    await shot('sp-result');
    expect(problems, problems.join('\n')).to.deep.equal([]);
  });
});
