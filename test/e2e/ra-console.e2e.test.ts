import { expect } from 'chai';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { connect } from '@nats-io/transport-node';
import type { NatsConnection } from '@nats-io/nats-core';
import pg from 'pg';
import type { Browser, Page } from 'playwright-core';
import {
  DomainError,
  accountsOfficerLookupRpc,
  accountsRpc,
  activationRpc,
  rpcHandler,
  serveRpc,
  type RpcServer,
} from '@idp/events';
import { Registry, createLogger } from '@idp/observability';
import { findInfrastructure, isPortOpen, privateNatsServer, waitFor, type PrivateServer } from '@idp/testing';
import { REPO_ROOT } from '../../infra/dev/mesh.js';
import { launchChromium, openTab, servedIcon, type Tab } from './support/chromium.js';
import { eventsOf } from './support/citizen.js';
import { createOfficer, enrolmentUri, totp } from './support/officer-console.js';

const EMAIL = 'mojca.zupan@upravna-enota.si';
const PASSWORD = 'officer password 2026';
const ACCOUNT_ID = randomUUID();
const REQUEST = {
  requestId: randomUUID(),
  requestNumber: 'A-7K3M9Q2P',
  accountId: ACCOUNT_ID,
  path: 'ra' as const,
  state: 'awaiting_officer' as const,
  createdAt: '2026-03-01T08:00:00.000Z',
};
const log = createLogger({ service: 'ra-e2e', level: 'silent' });

/** Ports in 29100–29899: outside the mesh stacks' 20000–29099 (test/e2e/support/stack.ts). */
async function freePort(taken: number[] = []): Promise<number> {
  for (;;) {
    const port = 29_100 + Math.floor(Math.random() * 800);
    if (!taken.includes(port) && !(await isPortOpen('127.0.0.1', port))) return port;
  }
}

/**
 * The officer console in a real browser (Chromium through playwright-core): only the
 * registration-authority service runs (from source), on a NATS server of the test's own and a
 * PostgreSQL schema of its own; small responders stand in for activation and accounts. An officer
 * enrols by QR code (the secret read from the otpauth URI the page shows), logs in again with a
 * TOTP code, finds a request by tax number and approves it; the event lands in JetStream.
 * The console is reached as http://localhost, a secure context, so its Secure cookies are kept.
 */
describe('officer console in a real browser (Chromium): enrol, log in, find, approve', function () {
  this.timeout(120_000);
  let nats: PrivateServer;
  let nc: NatsConnection;
  let responders: RpcServer;
  let ra: ChildProcess | undefined;
  let raOutput = '';
  let consoleUrl: string;
  let adminUrl: string;
  let databaseUrl: string;
  const schema = `t_ra_e2e_${randomBytes(5).toString('hex')}`;
  let officerId: string;
  let browser: Browser;
  let tab: Tab;
  let page: Page;
  let problems: string[];

  before(async function () {
    browser = await launchChromium();
    const natsPort = await freePort();
    const httpPort = await freePort([natsPort]);
    const adminPort = await freePort([natsPort, httpPort]);
    nats = privateNatsServer(natsPort);
    await nats.start();
    nc = await connect({ servers: nats.url });
    databaseUrl = (await findInfrastructure()).databaseUrl;

    responders = serveRpc(
      nc,
      [
        rpcHandler(activationRpc.findForOfficer, async (req) => ({
          requests: [REQUEST].filter(
            (r) =>
              (!req.requestNumber || r.requestNumber === req.requestNumber) &&
              (!req.accountIds || req.accountIds.includes(r.accountId)),
          ),
          corrections: [],
        })),
        rpcHandler(accountsRpc.getAttributes, async (req) => {
          if (req.accountId !== ACCOUNT_ID) throw new DomainError('not_found', 'accounts.not_found');
          return {
            accountId: ACCOUNT_ID,
            smsPass: 'pending' as const,
            attributes: {
              givenName: 'Ana',
              familyName: 'Novak',
              taxNumber: '50223054',
              birthDate: '1990-05-17',
              emso: '1705990505005',
              address: 'Slovenska cesta 1, 1000 Ljubljana',
            },
          };
        }),
        rpcHandler(accountsOfficerLookupRpc.findByTaxNumber, async (req) => {
          if (req.taxNumber.replace(/\D/g, '') !== '50223054')
            throw new DomainError('not_found', 'accounts.not_found');
          return { accountId: ACCOUNT_ID };
        }),
      ],
      { service: 'ra-e2e-responders', log, registry: new Registry() },
    );

    consoleUrl = `http://localhost:${httpPort}`;
    adminUrl = `http://127.0.0.1:${adminPort}`;
    ra = spawn(
      process.execPath,
      ['--conditions=source', '--import', 'tsx', 'services/registration-authority/src/main.ts'],
      {
        cwd: REPO_ROOT,
        stdio: ['ignore', 'pipe', 'pipe'],
        env: {
          ...process.env,
          IDP_ENV: 'test',
          LOG_LEVEL: 'warn',
          NATS_URL: nats.url,
          DATABASE_URL: databaseUrl,
          DATABASE_SCHEMA: schema,
          HTTP_HOST: '127.0.0.1',
          HTTP_PORT: String(httpPort),
          ADMIN_PORT: String(adminPort),
          INSTANCE_ID: 'ra-e2e-1',
          RA_TOTP_KEY: randomBytes(32).toString('base64'),
          RA_TOTP_ISSUER: 'SI-PASS RA',
        },
      },
    );
    for (const s of [ra.stdout!, ra.stderr!]) s.on('data', (b: Buffer) => void (raOutput += b.toString()));
    await waitFor(
      'registration-authority ready',
      async () => {
        if (ra?.exitCode !== null) throw new Error(`registration-authority exited:\n${raOutput}`);
        return (await fetch(`${adminUrl}/readyz`).catch(() => undefined))?.status === 200;
      },
      60_000,
      200,
    );
    ({ officerId } = await createOfficer(nc, { email: EMAIL, password: PASSWORD }, 'ra-e2e-seed'));

    tab = await openTab(browser, { locale: 'sl-SI', viewport: { width: 1000, height: 720 } });
    ({ page, problems } = tab);
  });

  after(async () => {
    await browser?.close().catch(() => undefined);
    if (ra && ra.exitCode === null) {
      ra.kill('SIGTERM');
      await new Promise((r) => ra!.once('exit', r));
    }
    await responders?.stop();
    await nc?.close();
    await nats?.destroy();
    if (databaseUrl) {
      const client = new pg.Client({ connectionString: databaseUrl });
      await client.connect();
      await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await client.end();
    }
  });

  const shot = (name: string) => tab.shot(name);
  const click = (name: string) =>
    Promise.all([page.waitForLoadState('load'), page.getByRole('button', { name }).click()]);

  async function logInWithPassword() {
    await page.getByLabel('E-poštni naslov', { exact: true }).fill(EMAIL);
    await page.getByLabel('Geslo', { exact: true }).fill(PASSWORD);
    await click('Naprej');
  }

  const events = (subject: string) => eventsOf({ nc }, subject);

  let secret: string;

  it('enrols the authenticator app by QR code at the first login (Slovenian)', async () => {
    await page.goto(`${consoleUrl}/`);
    await page.waitForURL(`${consoleUrl}/login`);
    expect(await page.locator('html').getAttribute('lang')).to.equal('sl');
    expect(await page.getByRole('heading', { level: 1 }).innerText()).to.equal('Prijava uradnika');
    expect(await servedIcon(page)).to.deep.equal({ status: 200, type: 'image/svg+xml' });
    await shot('ra-login');
    await logInWithPassword();
    await page.waitForURL(`${consoleUrl}/login/enrol`);
    const qr = page.locator('#qr');
    expect(await qr.getAttribute('src')).to.match(/^data:image\/png;base64,/);
    // The QR image really rendered (CSP allows data: images): it has its natural size.
    expect(
      await qr.evaluate((img) => (img as unknown as { naturalWidth: number }).naturalWidth),
    ).to.be.greaterThan(100);
    await page.getByText('Ključ za ročni vnos').click();
    const uri = await enrolmentUri(page);
    expect(decodeURIComponent(uri.pathname)).to.equal(`/SI-PASS RA:${EMAIL}`);
    secret = uri.searchParams.get('secret')!;
    expect((await page.locator('#totp-secret').innerText()).replace(/\s/g, '')).to.equal(secret);
    await shot('ra-enrol');

    await page.getByLabel('Koda', { exact: true }).fill(totp(secret));
    await click('Potrdi');
    await page.waitForURL(`${consoleUrl}/`);
    expect(await page.getByRole('heading', { level: 1 }).innerText()).to.equal('Iskanje zahtevka');
    await waitFor(
      'officer_enrolled in JetStream',
      async () => (await events('idp.ra.officer_enrolled.v1')).length === 1,
    );
    expect(problems, problems.join('\n')).to.deep.equal([]);
  });

  it('logs out and back in with a TOTP code, in English (the language switch)', async () => {
    await click('Odjava');
    await page.waitForURL(`${consoleUrl}/login?out=1`);
    await Promise.all([page.waitForURL(/lang=en/), page.getByRole('link', { name: 'English' }).click()]);
    expect(await page.getByRole('heading', { level: 1 }).innerText()).to.equal('Officer login');
    await page.getByLabel('E-mail address', { exact: true }).fill(EMAIL);
    await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await click('Continue');
    await page.waitForURL(`${consoleUrl}/login/totp`);
    expect(await page.getByRole('heading', { level: 1 }).innerText()).to.equal('Code from the app');
    // The enrolment used this time step's code; the next step's is accepted now (±1 step) and is not a replay.
    await page.getByLabel('Code', { exact: true }).fill(totp(secret, 30));
    await shot('ra-totp');
    await click('Confirm');
    await page.waitForURL(`${consoleUrl}/`);
    const loggedIn = await events('idp.ra.officer_logged_in.v1');
    expect(loggedIn.map((e) => e.actor)).to.deep.equal([
      { kind: 'admin', id: officerId },
      { kind: 'admin', id: officerId },
    ]);
  });

  it('finds the request by tax number, shows the personal data and approves it', async () => {
    await page.getByLabel('Request number or tax number', { exact: true }).fill('50223054');
    await click('Search');
    const link = page.getByRole('link', { name: REQUEST.requestNumber });
    expect(await page.locator('#results').innerText()).to.contain('waiting for an officer');
    await shot('ra-results');
    await Promise.all([page.waitForURL(`${consoleUrl}/requests/${REQUEST.requestNumber}`), link.click()]);
    for (const [field, value] of Object.entries({
      givenName: 'Ana',
      familyName: 'Novak',
      taxNumber: '50223054',
      birthDate: '1990-05-17',
      emso: '1705990505005',
      address: 'Slovenska cesta 1, 1000 Ljubljana',
    }))
      expect(await page.locator(`dd[data-field="${field}"]`).innerText()).to.equal(value);
    await page.getByLabel('Document type', { exact: true }).selectOption('passport');
    await page.getByLabel('Document number', { exact: true }).fill('PB1234567');
    await page.getByLabel('Valid until', { exact: true }).fill('2031-05-31');
    await shot('ra-request');
    await click('Confirm identity');
    await page.waitForURL(`${consoleUrl}/requests/${REQUEST.requestNumber}?done=approved`);
    expect(await page.locator('#notice').innerText()).to.contain('Identity confirmed');
    expect(await page.locator('dd[data-field="decision"]').innerText()).to.equal('approved');
    await shot('ra-approved');

    const [confirmed] = await waitFor(
      'identity_confirmed in JetStream',
      async () => {
        const e = await events('idp.ra.identity_confirmed.v1');
        return e.length > 0 && e;
      },
      10_000,
      100,
    );
    expect(confirmed!.actor).to.deep.equal({ kind: 'admin', id: officerId });
    expect(confirmed!.data).to.deep.equal({
      officerId,
      requestId: REQUEST.requestId,
      accountId: ACCOUNT_ID,
      documentType: 'passport',
      documentExpiresOn: '2031-05-31',
    });
    expect(problems, problems.join('\n')).to.deep.equal([]);
  });
});
