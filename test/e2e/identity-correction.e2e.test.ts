import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EncryptedField, activationRpc, createRpcClient, type Envelope, type RpcResponse } from '@idp/events';
import { selfSignedCertificate, waitFor } from '@idp/testing';
import type { Browser, Page } from './support/browser.js';
import {
  DAY,
  eventsOf,
  formError,
  freePort,
  mailsTo,
  officerEnrols,
  presentOverMtls,
  registerAndLogIn,
  type Citizen,
} from './support/citizen.js';
import { createCa, createClientCertificate, createCrl, type TestCa } from './support/pki.js';
import { createOfficer } from './support/officer-console.js';
import { startStack, type Stack } from './support/stack.js';

// Tax numbers with a valid mod-11 check digit; each path has a citizen of its own.
const CENE: Citizen = {
  email: 'cene.kranjc@example.si',
  password: 'cene has a long passphrase 2026',
  givenName: 'Cene',
  familyName: 'Kranjc',
  taxNumber: '34567895',
  birthDate: '1983-02-14',
  phone: '+38640555666',
};
const DANICA: Citizen = {
  email: 'danica.zupan@example.si',
  password: 'danica has a long passphrase 2026',
  givenName: 'Danica',
  familyName: 'Zupan',
  taxNumber: '45678901',
  birthDate: '1991-09-03',
  phone: '+38641777888',
};
const OFFICER = { email: 'desk@upravna-enota.si', password: 'officer password 2026' };
const NEW_ADDRESS = { street: 'Prešernova ulica 7', postalCode: '2000', city: 'Maribor', country: 'SI' };

/**
 * Identity corrections end to end, over HTTP as a browser without JavaScript: a citizen asks for a
 * corrected surname and permanent address, an officer compares them with the ID document in the
 * console and approves (and rejects a later one); another citizen corrects her surname with a
 * qualified certificate on the gateway's mTLS listener, refused while the certificate carries the
 * old name. Accounts applies each approval: the user pages show the new data, the account address
 * is told, and the values reach the audit log only encrypted, in the correction's correlation.
 */
describe('identity corrections end to end: the officer path, the certificate path, and their refusals', function () {
  this.timeout(180_000);
  let stack: Stack;
  let pkiDir: string;
  let trusted: TestCa;
  let mtlsPort: number;
  let consoleUrl: string;

  before(async () => {
    pkiDir = mkdtempSync(join(tmpdir(), 'idp-e2e-correction-'));
    trusted = await createCa('Test Qualified CA');
    const server = await selfSignedCertificate({ commonName: '127.0.0.1' });
    writeFileSync(join(pkiDir, 'ca.pem'), trusted.pem);
    writeFileSync(join(pkiDir, 'crl.pem'), await createCrl(trusted));
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
    await createOfficer(stack.nc, OFFICER, 'e2e-officer');
  });
  after(async () => {
    await stack?.close();
    if (pkiDir) rmSync(pkiDir, { recursive: true, force: true });
  });

  const gw = (path: string) => `${stack.gatewayUrl}${path}`;

  /** The correction form, filled from the data on record and `change`, posted on `path`. */
  async function requestCorrection(
    b: Browser,
    who: Citizen,
    path: 'ra' | 'certificate',
    change: { givenName?: string; familyName?: string; address?: typeof NEW_ADDRESS },
  ): Promise<Page> {
    const form = await b.go(gw('/account/correction'));
    expect(form.status, form.html).to.equal(200);
    const address = change.address ?? {
      street: 'Slovenska cesta 1',
      postalCode: '1000',
      city: 'Ljubljana',
      country: 'SI',
    };
    return b.submit(form, '/account/correction/request', {
      givenName: change.givenName ?? who.givenName,
      familyName: change.familyName ?? who.familyName,
      ...address,
      path,
    });
  }

  /** The correction behind the number the page shows, as the console finds it. */
  async function correctionShown(
    page: Page,
  ): Promise<RpcResponse<typeof activationRpc.findForOfficer>['corrections'][number]> {
    const number = /id="request-number">([^<]+)</.exec(page.html)?.[1];
    expect(number, page.html).to.match(/^C-[0-9A-Z]{8}$/);
    const { corrections } = await createRpcClient(stack.nc, { defaultTimeoutMs: 10_000 }).call(
      activationRpc.findForOfficer,
      { requestNumber: number! },
      { correlationId: 'e2e-find' },
    );
    expect(corrections, number).to.have.length(1);
    return corrections[0]!;
  }

  /** The events of one correction (its id is their correlation id), once `last` is among them. */
  async function eventsOfCorrection(requestId: string, ...expected: string[]): Promise<Envelope[]> {
    const subjects = [
      'idp.activation.correction_submitted.v1',
      'idp.activation.correction_certificate_refused.v1',
      'idp.activation.correction_approved.v1',
      'idp.activation.correction_rejected.v1',
      'idp.ra.correction_approved.v1',
      'idp.ra.correction_rejected.v1',
      'idp.account.personal_data_changed.v1',
    ];
    return waitFor(
      `${expected.join(', ')} of ${requestId}`,
      async () => {
        const all = (await Promise.all(subjects.map((s) => eventsOf(stack, s)))).flat();
        const mine = all.filter((e) => e.correlationId === requestId);
        // Each service's outbox relays on its own: wait for all of them, in whatever order they came.
        return expected.every((subject) => mine.some((e) => e.subject === subject)) && mine;
      },
      20_000,
      250,
    );
  }

  /** A correction's personal_data_changed: the fields it names, each value encrypted. */
  function expectEncryptedChanges(events: Envelope[], fields: string[], clear: string[]) {
    const changed = events.filter((e) => e.subject === 'idp.account.personal_data_changed.v1');
    expect(changed).to.have.length(1);
    const changes = (changed[0]!.data as { changes: { field: string; value: unknown }[] }).changes;
    expect(changes.map((c) => c.field)).to.deep.equal(fields);
    for (const c of changes) expect(EncryptedField.safeParse(c.value).success, c.field).to.equal(true);
    // Never a name or an address in clear, in any event of the correction.
    for (const value of clear) expect(JSON.stringify(events), value).not.to.contain(value);
  }

  it('path A: surname and address by an officer, then a refused correction; the contact page edits neither', async () => {
    const b = await registerAndLogIn(stack, CENE);
    const contact = await b.go(gw('/account/contact'));
    expect(contact.has('name="street"')).to.equal(false);
    expect(contact.has('href="/account/correction"')).to.equal(true);

    const submitted = await requestCorrection(b, CENE, 'ra', { familyName: 'Novak', address: NEW_ADDRESS });
    expect(submitted.url.pathname, submitted.html).to.equal('/account/correction');
    expect(submitted.has('Visit a registration office with an identity document')).to.equal(true);
    const correction = await correctionShown(submitted);
    expect(correction).to.include({ state: 'submitted', path: 'ra' });
    expect(correction.fields).to.deep.equal(['family_name', 'address']);

    const o = await officerEnrols(consoleUrl, OFFICER);
    const found = await o.go(`${consoleUrl}/requests?q=${CENE.taxNumber}`);
    expect(found.html).to.contain(`href="/requests/${correction.requestNumber}"`);
    expect(found.html).to.contain('personal data correction');
    const detail = await o.go(`${consoleUrl}/requests/${correction.requestNumber}`);
    expect(detail.html).to.match(/data-field="family_name">[^]*?Kranjc[^]*?<strong>Novak<\/strong>/);
    expect(detail.html).to.match(
      /data-field="address">[^]*?Slovenska cesta 1, 1000 Ljubljana[^]*?<strong>Prešernova ulica 7, 2000 Maribor<\/strong>/,
    );
    const approved = await o.submit(detail, `/requests/${correction.requestNumber}/approve`, {
      documentType: 'identity_card',
      documentNumber: '004598765',
      documentExpiresOn: new Date(Date.now() + 5 * 365 * DAY).toISOString().slice(0, 10),
    });
    expect(approved.url.search, approved.html).to.equal('?done=approved');

    const events = await eventsOfCorrection(
      correction.requestId,
      'idp.ra.correction_approved.v1',
      'idp.activation.correction_approved.v1',
      'idp.account.personal_data_changed.v1',
    );
    expect(events.map((e) => e.subject)).to.include.members([
      'idp.activation.correction_submitted.v1',
      'idp.ra.correction_approved.v1',
      'idp.activation.correction_approved.v1',
      'idp.account.personal_data_changed.v1',
    ]);
    const byOfficer = events.find((e) => e.subject === 'idp.ra.correction_approved.v1')!;
    const officerId = (byOfficer.data as { officerId: string }).officerId;
    expect(byOfficer.actor).to.deep.equal({ kind: 'admin', id: officerId });
    expect(events.find((e) => e.subject === 'idp.activation.correction_approved.v1')!.data).to.deep.include({
      via: 'officer',
      officerId,
    });
    expectEncryptedChanges(
      events,
      ['family_name', 'address'],
      ['Novak', 'Prešernova', 'Maribor', '004598765'],
    );

    const account = await b.go(gw('/account'));
    expect(account.has('Novak')).to.equal(true);
    expect(account.has('Prešernova ulica 7, 2000 Maribor')).to.equal(true);
    expect(account.has(CENE.familyName)).to.equal(false);
    expect(
      (await b.go(gw('/account/correction'))).has(`Correction ${correction.requestNumber} was approved`),
    ).to.equal(true);
    // Mail #1 was the confirmation link; #2 tells the account address what was corrected (never the values).
    const told = await waitFor('the correction mail', () => mailsTo(stack, CENE.email)[1], 20_000, 100);
    expect(told.text).to.match(/priimek, naslov stalnega prebivališča|surname, permanent address/);
    expect(told.text).not.to.contain('Novak');

    // A second correction, refused by the officer with a reason the citizen reads.
    const again = await requestCorrection(b, { ...CENE, familyName: 'Novak' }, 'ra', {
      givenName: 'Vincenc',
      address: NEW_ADDRESS,
    });
    const second = await correctionShown(again);
    expect(second.fields).to.deep.equal(['given_name']);
    const refuse = await o.go(`${consoleUrl}/requests/${second.requestNumber}`);
    const rejected = await o.submit(refuse, `/requests/${second.requestNumber}/reject`, {
      reason: 'The identity card says Cene.',
    });
    expect(rejected.url.search, rejected.html).to.equal('?done=rejected');
    const refusedEvents = await eventsOfCorrection(second.requestId, 'idp.activation.correction_rejected.v1');
    expect(refusedEvents.map((e) => e.subject)).not.to.include('idp.account.personal_data_changed.v1');
    const page = await waitFor(
      'the rejection shown',
      async () => {
        const p = await b.go(gw('/account/correction'));
        return p.has('(rejected)') && p;
      },
      15_000,
      200,
    );
    expect(page.has('The identity card says Cene.')).to.equal(true);
    expect((await b.go(gw('/account'))).has('Vincenc')).to.equal(false);
  });

  it('path B: a surname by certificate, refused while the certificate has the old name, approved with the new one; an address never by certificate', async () => {
    const b = await registerAndLogIn(stack, DANICA);
    const address = await requestCorrection(b, DANICA, 'certificate', {
      familyName: 'Horvat',
      address: NEW_ADDRESS,
    });
    expect(address.status).to.equal(409);
    expect(formError(address) ?? address.html).to.contain(
      'An address cannot be proven by a digital certificate',
    );

    const page = await requestCorrection(b, DANICA, 'certificate', { familyName: 'Horvat' });
    expect(page.has('Present a qualified digital certificate')).to.equal(true);
    const correction = await correctionShown(page);
    const action = page.form('/account/correction/certificate');
    expect(action.action).to.equal(`https://127.0.0.1:${mtlsPort}/account/correction/certificate`);
    const present = async (cert: Awaited<ReturnType<typeof createClientCertificate>>) => {
      const location = await presentOverMtls(action, cert, b.cookiesFor(gw('/account/correction'))!);
      return { location, page: await b.go(gw(location.pathname + location.search)) };
    };

    // Her own certificate, valid and with her tax number, but in her old name.
    const old = await createClientCertificate(trusted, {
      commonName: 'Danica Zupan',
      taxNumber: DANICA.taxNumber,
      givenName: 'Danica',
      surname: 'Zupan',
    });
    const refused = await present(old);
    expect(refused.location.searchParams.get('certificate')).to.equal('name');
    expect(formError(refused.page) ?? refused.page.html).to.contain(
      'The given name or surname in the certificate does not match the new ones.',
    );
    // Still waiting: she may present another certificate.
    expect(refused.page.has(action.action)).to.equal(true);

    const renewed = await createClientCertificate(trusted, {
      commonName: 'DANICA HORVAT',
      taxNumber: DANICA.taxNumber,
      givenName: 'DANICA',
      surname: 'HORVAT',
    });
    const accepted = await present(renewed);
    expect(accepted.location.search).to.equal('');
    expect(
      accepted.page.has(`Correction ${correction.requestNumber} was approved`),
      accepted.page.html,
    ).to.equal(true);

    const events = await eventsOfCorrection(
      correction.requestId,
      'idp.activation.correction_certificate_refused.v1',
      'idp.activation.correction_approved.v1',
      'idp.account.personal_data_changed.v1',
    );
    const refusals = events.filter((e) => e.subject === 'idp.activation.correction_certificate_refused.v1');
    expect(refusals.map((e) => (e.data as { reason: string }).reason)).to.deep.equal(['name_mismatch']);
    const approval = events.find((e) => e.subject === 'idp.activation.correction_approved.v1')!;
    expect(approval.data).to.deep.include({ via: 'certificate', fields: ['family_name'] });
    expect(approval.actor).to.deep.equal({ kind: 'user', id: correction.accountId });
    expectEncryptedChanges(events, ['family_name'], ['Horvat', 'HORVAT']);

    // The surname as she typed it, not in the certificate's capitals.
    const account = await b.go(gw('/account'));
    expect(account.has('>Horvat<')).to.equal(true);
    expect(account.has(DANICA.familyName)).to.equal(false);
  });
});
