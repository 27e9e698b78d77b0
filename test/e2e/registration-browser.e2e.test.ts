import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { Browser as Chromium, Locator, Page } from 'playwright-core';
import { waitFor } from '@idp/testing';
import { startDemoSp, type DemoSp } from '../sp/demo-sp.js';
import { waitForSpAtGateway } from './support/browser.js';
import { sinks } from './support/sinks.js';
import {
  accessibilityProblems,
  atGatewaySso,
  launchChromium,
  openTab,
  type Tab,
} from './support/chromium.js';
import { eventsOf } from './support/citizen.js';
import { createOfficer, enrolOfficer } from './support/officer-console.js';
import { startStack, type Stack } from './support/stack.js';

const CITIZEN = {
  email: 'maja.horvat@example.si',
  password: 'maja keeps a long passphrase 2026',
  givenName: 'Maja',
  familyName: 'Horvat',
  // A valid mod-11 check digit; TAX_TYPO is the same number with its last digit mistyped.
  taxNumber: '12345679',
  birthDate: '1992-08-03',
  street: 'Slovenska cesta 1',
  postalCode: '1000',
  city: 'Ljubljana',
  phone: '+38641555666',
};
const TAX_TYPO = '12345678';
/** Long enough, but a breached-list word with digits and a symbol around it. */
const COMMON_PASSWORD = 'Password2026!';
const OFFICER = { email: 'officer@upravna-enota.si', password: 'officer password 2026' };
/** The registration form's fields: id, English label, autocomplete. */
const REGISTER_FIELDS: [string, string, string][] = [
  ['email', 'E-mail address (account name)', 'email'],
  ['password', 'New password', 'new-password'],
  ['givenName', 'Given name', 'given-name'],
  ['familyName', 'Surname', 'family-name'],
  ['taxNumber', 'Tax number', 'off'],
  ['emso', 'EMŠO (optional)', 'off'],
  ['birthDate', 'Date of birth', 'bday'],
  ['street', 'Street and house number', 'street-address'],
  ['postalCode', 'Postal code', 'postal-code'],
  ['city', 'City', 'address-level2'],
  ['country', 'Country (two-letter code, e.g. SI)', 'country'],
  ['phone', 'Mobile phone (optional)', 'tel'],
];

/**
 * The citizen's way to smsPASS in a real browser (Chromium through playwright-core, JavaScript on)
 * against the whole mesh built from dist: self-registration with its field errors, the mailed
 * confirmation link (read on the development mail page), the password-only login to My account,
 * the smsPASS request at a registration office, an officer approving it in the console (a browser
 * of their own), the mailed activation code and the phone, the SMS code, and a SAML login at the
 * node-saml demo e-service that now asks for the password and the SMS code. Every page is checked
 * for the accessibility basics (labels, autocomplete, errors tied to their fields) and
 * photographed for the README (docs/screenshots/reg-*.png, act-*.png).
 * Every URL is http://localhost: Chromium treats it as a secure context, so Secure cookies are kept.
 */
describe('registration and smsPASS activation in a real browser (Chromium), up to a two-factor SAML login', function () {
  this.timeout(180_000);
  // Each step goes on from where the last one left the citizen.
  this.bail(true);
  let stack: Stack;
  let sp: DemoSp;
  let chromium: Chromium;
  let citizen: Tab;
  let officer: Tab;
  let page: Page;
  let gwUrl: string;
  let consoleUrl: string;
  let spUrl: string;
  let requestNumber: string;

  before(async () => {
    chromium = await launchChromium();
    stack = await startStack({
      serviceEnv: { 'registration-authority': { RA_TOTP_KEY: randomBytes(32).toString('base64') } },
    });
    gwUrl = `http://localhost:${stack.base}`;
    consoleUrl = `http://localhost:${stack.base + 10}`;
    const spPort = stack.base + 91;
    spUrl = `http://localhost:${spPort}`;
    sp = await startDemoSp({
      idpMetadataUrl: `${stack.gatewayUrl}/saml/metadata`,
      baseUrl: spUrl,
      port: spPort,
      registryDir: join(stack.dir, 'sp-registry'),
      policy: { allowedMethods: ['password_sms'], minLoa: 'substantial' },
    });
    await createOfficer(stack.nc, OFFICER, 'e2e-reg-browser-officer');
    await waitForSpAtGateway(sp.url);
    // Accept-Language: en-GB, so every page is in English without choosing anything.
    citizen = await openTab(chromium, { locale: 'en-GB', viewport: { width: 800, height: 640 } });
    officer = await openTab(chromium, { locale: 'en-GB', viewport: { width: 1000, height: 720 } });
    page = citizen.page;
  });

  after(async () => {
    await chromium?.close().catch(() => undefined);
    await sp?.close();
    await stack?.close();
  });

  afterEach(() => {
    const problems = [...(citizen?.problems ?? []), ...(officer?.problems ?? [])];
    expect(problems, problems.join('\n')).to.deep.equal([]);
  });

  const shot = (name: string) => citizen.shot(name);
  const h1 = () => page.getByRole('heading', { level: 1 }).innerText();
  const field = (label: string) => page.getByLabel(label, { exact: true });

  /** Presses a submit button and waits for the page the post leads to (after any redirects). */
  async function press(button: Locator, on: Page = page) {
    const shown = on.waitForEvent('framenavigated', { predicate: (f) => f === on.mainFrame() });
    await button.click();
    await shown;
    await on.waitForLoadState('load');
  }

  async function accessible() {
    expect(await accessibilityProblems(page), page.url()).to.deep.equal([]);
  }

  /** The error at a field: said beside it, tied to it, and marked for the eye by its border. */
  async function expectFieldMarked(id: string, message: string) {
    const input = page.locator(`#${id}`);
    expect(await input.getAttribute('aria-invalid'), id).to.equal('true');
    expect((await input.getAttribute('aria-describedby'))?.split(' '), id).to.include(`${id}-error`);
    expect(await page.locator(`#${id}-error`).innerText()).to.equal(message);
    const border = await input.evaluate(
      (el) =>
        (
          globalThis as unknown as { getComputedStyle(e: unknown): { borderTopColor: string } }
        ).getComputedStyle(el).borderTopColor,
    );
    expect(border, `${id}'s border`).to.equal('rgb(176, 0, 32)'); // #b00020, the error colour
  }

  /** A field's error as above, also listed in the summary at the top with a link to the field. */
  async function expectFieldError(id: string, message: string) {
    await expectFieldMarked(id, message);
    const summary = page.locator('#form-error');
    expect(await summary.getAttribute('role')).to.equal('alert');
    expect(await summary.locator(`a[href="#${id}"]`).innerText()).to.equal(message);
  }

  /** The development mail page, opened in a tab of its own as a mailbox would be. */
  async function mailText(nth: number, re: RegExp): Promise<RegExpExecArray> {
    const mailbox = await citizen.context.newPage();
    try {
      return await waitFor(
        `mail #${nth} to ${CITIZEN.email}`,
        async () => {
          await mailbox.goto(`${gwUrl}/dev/mail`);
          const mails = await mailbox.locator('ol.sms > li').allInnerTexts();
          // Newest first: the oldest mail to the citizen is the first one sent.
          const mine = mails.filter((m) => m.includes(CITIZEN.email)).reverse();
          return mine[nth - 1] !== undefined && (re.exec(mine[nth - 1]!) ?? undefined);
        },
        20_000,
        300,
      );
    } finally {
      await mailbox.close();
    }
  }

  const smsTo = (phone: string) => sinks(stack).smsTo(phone);
  /** The code of the SMS after the first `before` to the citizen's phone, read as from the phone. */
  const smsCode = (before: number) => sinks(stack).nextSmsCode(CITIZEN.phone, before);

  const events = (subject: string) => eventsOf(stack, subject);

  it('registers: every field labelled, a common password and a mistyped tax number refused at their fields', async () => {
    await page.goto(`${gwUrl}/register`);
    expect(await page.locator('html').getAttribute('lang')).to.equal('en');
    expect(await h1()).to.equal('Register');
    for (const [id, label, autocomplete] of REGISTER_FIELDS) {
      expect(await field(label).getAttribute('id'), label).to.equal(id);
      expect(await field(label).getAttribute('autocomplete'), label).to.equal(autocomplete);
    }
    expect(await field('Country (two-letter code, e.g. SI)').inputValue()).to.equal('SI');
    await accessible();

    await field('E-mail address (account name)').fill(CITIZEN.email);
    await field('New password').fill(COMMON_PASSWORD);
    await field('Given name').fill(CITIZEN.givenName);
    await field('Surname').fill(CITIZEN.familyName);
    await field('Tax number').fill(CITIZEN.taxNumber);
    await field('Date of birth').fill(CITIZEN.birthDate);
    await field('Street and house number').fill(CITIZEN.street);
    await field('Postal code').fill(CITIZEN.postalCode);
    await field('City').fill(CITIZEN.city);
    await field('Mobile phone (optional)').fill('+386 41 555 666');
    await page.getByLabel('I accept the terms of use', { exact: false }).check();
    await shot('reg-form');

    await press(page.getByRole('button', { name: 'Register', exact: true }));
    expect(new URL(page.url()).pathname).to.equal('/register');
    await expectFieldError('password', 'This password is too common or too predictable. Choose another.');
    // What was typed stays, except the password; the accepted terms stay accepted.
    expect(await field('Surname').inputValue()).to.equal(CITIZEN.familyName);
    expect(await field('New password').inputValue()).to.equal('');
    expect(await page.locator('#terms').isChecked()).to.equal(true);
    await accessible();
    await shot('reg-error');

    // The summary's link leads to the field and puts the cursor there.
    await page.locator('#form-error a[href="#password"]').click();
    expect(new URL(page.url()).hash).to.equal('#password');
    expect(
      await page.evaluate(
        () =>
          (globalThis as unknown as { document: { activeElement: { id: string } | null } }).document
            .activeElement?.id,
      ),
    ).to.equal('password');
    await field('New password').fill(CITIZEN.password);
    await field('Tax number').fill(TAX_TYPO);
    await press(page.getByRole('button', { name: 'Register', exact: true }));
    await expectFieldError('taxNumber', 'The tax number is not correct.');
    expect(await page.locator('#password-error').count()).to.equal(0);
    await accessible();

    await field('New password').fill(CITIZEN.password);
    await field('Tax number').fill(CITIZEN.taxNumber);
    await press(page.getByRole('button', { name: 'Register', exact: true }));
    expect(new URL(page.url()).pathname).to.equal('/register/sent');
    expect(await h1()).to.equal('Check your e-mail');
    await accessible();
    await shot('reg-sent');
  });

  it('confirms the address with the mailed link: the page shows a button, and the link works once', async () => {
    const [, link] = await mailText(1, /(http:\/\/\S+\/register\/confirm\?token=\S+)/);
    expect(link!.startsWith(`${gwUrl}/register/confirm?token=`), link).to.equal(true);
    await page.goto(link!);
    expect(await h1()).to.equal('Confirm your e-mail address');
    await accessible();
    await shot('reg-confirm');
    await press(page.getByRole('button', { name: 'Confirm e-mail address', exact: true }));
    expect(await h1()).to.equal('Address confirmed');
    expect(await page.getByRole('link', { name: 'Go to My account' }).getAttribute('href')).to.equal(
      '/account',
    );
    await accessible();
    await shot('reg-confirmed');

    await page.goto(link!);
    await press(page.getByRole('button', { name: 'Confirm e-mail address', exact: true }));
    expect(await h1()).to.equal('The link is not valid');
    expect(await page.getByRole('alert').innerText()).to.equal('The link is wrong, already used or expired.');
    await accessible();
    await shot('reg-link-invalid');
  });

  it('logs in to My account with the password alone and asks for smsPASS at a registration office', async () => {
    await page.goto(`${gwUrl}/account`);
    expect(new URL(page.url()).pathname).to.equal('/login');
    expect(await page.locator('.sp').innerText()).to.equal('My account');
    await accessible();
    await field('E-mail address (account name)').fill(CITIZEN.email);
    await field('Password').fill(CITIZEN.password);
    await press(page.getByRole('button', { name: 'Continue', exact: true }));
    expect(new URL(page.url()).pathname).to.equal('/account');
    expect(await h1()).to.equal('My account');
    const data = await page.locator('dl.data').innerText();
    expect(data)
      .to.contain(CITIZEN.familyName)
      .and.to.contain(CITIZEN.taxNumber)
      .and.to.contain(CITIZEN.birthDate);
    await accessible();
    await shot('act-account');

    await press(page.getByRole('link', { name: 'smsPASS', exact: true }));
    expect(new URL(page.url()).pathname).to.equal('/account/smspass');
    expect(await page.locator('dl.data').innerText()).to.contain(`${CITIZEN.street}, ${CITIZEN.postalCode}`);
    await accessible();
    await shot('act-request');

    // Neither the data confirmed nor a way chosen: both said at their controls.
    await press(page.getByRole('button', { name: 'Send request', exact: true }));
    expect(await page.locator('#confirm-error').innerText()).to.equal(
      'Confirm that your personal data is correct.',
    );
    expect(await page.locator('#confirm').getAttribute('aria-invalid')).to.equal('true');
    expect(await page.locator('#path-error').innerText()).to.equal('Choose a way.');
    for (const id of ['path-ra', 'path-certificate'])
      expect(await page.locator(`#${id}`).getAttribute('aria-invalid'), id).to.equal('true');
    await accessible();
    await shot('act-request-error');

    await field('I confirm that the personal data above is correct.').check();
    await field('In person at a registration office (the code comes by e-mail)').check();
    await press(page.getByRole('button', { name: 'Send request', exact: true }));
    requestNumber = await page.locator('#request-number').innerText();
    expect(requestNumber).to.match(/^[A-Z]-[0-9A-Z]{8}$/);
    expect(await page.locator('main').innerText()).to.contain(
      'Visit a registration office with an identity document and give the request number.',
    );
    await accessible();
    await shot('act-awaiting');
  });

  it('an officer enrols in the console, finds the request by its number and confirms the identity', async () => {
    const o = officer.page;
    await enrolOfficer(o, consoleUrl, OFFICER);
    await o.getByLabel('Request number or tax number', { exact: true }).fill(requestNumber);
    await press(o.getByRole('button', { name: 'Search', exact: true }), o);
    await press(o.getByRole('link', { name: requestNumber, exact: true }), o);
    expect(await o.locator('dd[data-field="familyName"]').innerText()).to.equal(CITIZEN.familyName);
    expect(await o.locator('dd[data-field="taxNumber"]').innerText()).to.equal(CITIZEN.taxNumber);
    await o.getByLabel('Document type', { exact: true }).selectOption('identity_card');
    await o.getByLabel('Document number', { exact: true }).fill('004512345');
    const validUntil = `${new Date().getUTCFullYear() + 5}-05-31`;
    await o.getByLabel('Valid until', { exact: true }).fill(validUntil);
    await press(o.getByRole('button', { name: 'Confirm identity', exact: true }), o);
    expect(o.url()).to.equal(`${consoleUrl}/requests/${requestNumber}?done=approved`);
    expect(await o.locator('dd[data-field="decision"]').innerText()).to.equal('approved');
  });

  it('enters the mailed activation code and the phone, then the SMS code: smsPASS is active', async () => {
    // Mail #1 was the confirmation link; #2 carries the activation code.
    const [, code] = await mailText(2, /\b([0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4})\b/);
    await page.goto(`${gwUrl}/account/smspass`);
    expect(await page.locator('main').innerText()).to.contain('We have sent your activation code by e-mail.');
    expect(await field('Activation code').getAttribute('autocomplete')).to.equal('one-time-code');
    expect(await field('Mobile phone for smsPASS').getAttribute('autocomplete')).to.equal('tel');
    await accessible();
    await shot('act-code');

    // A wrong code costs an attempt and is said at its field; the phone stays filled in.
    const wrong = (code!.startsWith('A') ? 'B' : 'A') + code!.slice(1);
    await field('Activation code').fill(wrong);
    await field('Mobile phone for smsPASS').fill('+386 41 555 666');
    await press(page.getByRole('button', { name: 'Send SMS code', exact: true }));
    await expectFieldError('code', 'The activation code is not correct.');
    expect(await page.locator('#attempts').innerText()).to.match(/^Attempts left: \d+\.$/);
    expect((await field('Activation code').getAttribute('aria-describedby'))?.split(' ')).to.include(
      'attempts',
    );
    expect(await field('Mobile phone for smsPASS').inputValue()).to.equal(CITIZEN.phone);
    await accessible();
    await shot('act-code-wrong');

    const sent = smsTo(CITIZEN.phone).length;
    await field('Activation code').fill(code!);
    await press(page.getByRole('button', { name: 'Send SMS code', exact: true }));
    expect(await page.locator('main').innerText()).to.contain(
      'We have sent an SMS with a 6-digit code to the phone you entered.',
    );
    expect(await field('Code from SMS').getAttribute('autocomplete')).to.equal('one-time-code');
    await accessible();
    await shot('act-sms');

    const sms = await smsCode(sent);
    await field('Code from SMS').fill(String((Number(sms) + 1) % 1_000_000).padStart(6, '0'));
    await press(page.getByRole('button', { name: 'Confirm phone', exact: true }));
    await expectFieldError('smsCode', 'The SMS code is not correct.');
    await accessible();
    await shot('act-sms-wrong');

    await field('Code from SMS').fill(sms);
    await press(page.getByRole('button', { name: 'Confirm phone', exact: true }));
    // smsPASS is active now, so the password-only session logs in again with both factors.
    expect(new URL(page.url()).pathname).to.equal('/login');
    await field('E-mail address (account name)').fill(CITIZEN.email);
    await field('Password').fill(CITIZEN.password);
    const stepUp = smsTo(CITIZEN.phone).length;
    await press(page.getByRole('button', { name: 'Continue', exact: true }));
    expect(await h1()).to.equal('Code from SMS');
    await field('Code').fill(await smsCode(stepUp));
    await press(page.getByRole('button', { name: 'Confirm', exact: true }));
    expect(new URL(page.url()).pathname).to.equal('/account');
    expect(await page.locator('dl.data').innerText()).to.contain(`${CITIZEN.phone} (verified)`);

    await press(page.getByRole('link', { name: 'smsPASS', exact: true }));
    expect(await page.getByRole('status').innerText()).to.equal(
      'smsPASS is active: you log in to e-services with your password and a code sent by SMS.',
    );
    await accessible();
    await shot('act-done');

    // A mistyped number on the phones page is marked at its field like every other error (a phone
    // field once kept its grey border: its rule came after the error rule in the stylesheet).
    await page.goto(`${gwUrl}/account/phones`);
    await field('New mobile phone').fill('041 555');
    await press(page.getByRole('button', { name: 'Send SMS code', exact: true }));
    await expectFieldMarked('phone', 'Enter a mobile number in international format, e.g. +386 41 123 456.');
    await accessible();
  });

  it('a SAML login at the demo e-service now asks for the password and the SMS code, and succeeds', async () => {
    // The same person later, without the SSO session of the activation.
    await citizen.context.clearCookies();
    await page.goto(`${spUrl}/`);
    await Promise.all([page.waitForURL(atGatewaySso(gwUrl)), page.locator('#login').click()]);
    expect(await page.locator('.sp').innerText()).to.equal('Demo e-service');
    await field('E-mail address (account name)').fill(CITIZEN.email);
    await field('Password').fill(CITIZEN.password);
    const before = smsTo(CITIZEN.phone).length;
    await press(page.getByRole('button', { name: 'Continue', exact: true }));
    expect(await h1()).to.equal('Code from SMS');
    expect(await page.locator('main').innerText()).to.contain(CITIZEN.phone.slice(0, 4));
    await accessible();
    await field('Code').fill(await smsCode(before));
    await shot('act-sp-code');
    // The code, then the auto-submitted SAML POST form (JavaScript) lands on the SP.
    await Promise.all([page.waitForURL(`${spUrl}/saml/acs`), page.keyboard.press('Enter')]);
    expect(await h1()).to.equal('Logged in');
    expect(await page.locator('td[data-name="urn:oid:1.3.6.1.4.1.44044.1.1.1.2"]').innerText()).to.equal(
      CITIZEN.taxNumber,
    );
    expect(await page.locator('table').innerText()).to.contain(CITIZEN.familyName);
    await shot('act-sp-result');

    const [issued] = await waitFor(
      'assertion_issued for the demo e-service',
      async () => {
        const e = (await events('idp.saml.assertion_issued.v1')).filter(
          (x) => (x.data as { spEntityId: string }).spEntityId === sp.entityId,
        );
        return e.length > 0 && e;
      },
      10_000,
      200,
    );
    expect((issued!.data as { level: string }).level).to.equal('substantial');
  });
});
