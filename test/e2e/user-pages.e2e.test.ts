import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SAML } from '@node-saml/node-saml';
import { createSealer, deriveKey, MAIL_SEAL_PURPOSE, type Envelope } from '@idp/events';
import { LOA_URI } from '@idp/saml';
import { waitFor } from '@idp/testing';
import { startDemoSp, type DemoSp } from '../sp/demo-sp.js';
import { atPasswordPage, Browser, type Page, waitForSpAtGateway } from './support/browser.js';
import { runCli } from './support/cli.js';
import { sinks } from './support/sinks.js';
import { startStack, type Stack } from './support/stack.js';

const ANA = {
  email: 'ana.horvat@example.si',
  password: 'ana keeps a long passphrase 2026',
  givenName: 'Ana',
  familyName: 'Horvat',
  taxNumber: '50223054',
  birthDate: '1985-03-09',
  phone: '+38640555111',
};
/** The phone Ana adds on the user pages. */
const SECOND_PHONE = '+38631777222';
const CONTACT_EMAIL = 'ana.doma@example.net';
const ELEVEN_MINUTES = 11 * 60_000;

/** The messages of a form's error summary (each linked to its field, or not when about the whole form). */
const formErrors = (p: Page) => {
  const summary = /<div class="error-summary"[^>]*>([\s\S]*?)<\/div>/.exec(p.html)?.[1] ?? '';
  return [...summary.matchAll(/<li>(?:<a href="#[^"]*">)?([^<]*)(?:<\/a>)?<\/li>/g)].map((m) => m[1]);
};
const loginError = (p: Page) => /<p class="error"[^>]*>([^<]*)</.exec(p.html)?.[1];
const levelOf = (p: Page) => /id="authn-context">([^<]*)</.exec(p.html)?.[1];

/**
 * The citizen's user pages over the whole mesh, as a browser without JavaScript uses them: a
 * two-factor login to /account, contact data, adding a phone (fresh login, SMS code to the new
 * number, a mail to the account address), removing phones, cancelling smsPASS (and what that does
 * to SAML logins at a node-saml SP), the data export, and erasure (login, database and audit log).
 * One citizen, one story: each step builds on the one before.
 */
describe('user pages end to end: phones, smsPASS cancellation, export, erasure', function () {
  this.timeout(120_000);
  let stack: Stack;
  let sp: DemoSp;
  let sink: ReturnType<typeof sinks>;
  let accountId: string;
  /** Ana's browser, logged in to her user pages. */
  const ana = new Browser();

  before(async () => {
    stack = await startStack();
    sink = sinks(stack);
    // An e-service that prefers two factors but accepts a password alone.
    sp = await startDemoSp({
      idpMetadataUrl: `${stack.gatewayUrl}/saml/metadata`,
      baseUrl: `http://127.0.0.1:${stack.base + 90}`,
      port: stack.base + 90,
      registryDir: join(stack.dir, 'sp-registry'),
      policy: { allowedMethods: ['password', 'password_sms'], minLoa: 'low' },
    });
    const created = await runCli(
      stack,
      [
        'account',
        'create',
        '--email',
        ANA.email,
        '--password-stdin',
        '--given-name',
        ANA.givenName,
        '--family-name',
        ANA.familyName,
        '--tax-number',
        ANA.taxNumber,
        '--birth-date',
        ANA.birthDate,
        '--phone',
        '+386 40 555 111',
        '--smspass',
        'active',
      ],
      `${ANA.password}\n`,
    );
    expect(created.code, created.stderr).to.equal(0);
    accountId = created.stdout.trim();
    expect(accountId).to.match(/^[0-9a-f-]{36}$/);
    await waitForSpAtGateway(sp.url);
  });
  after(async () => {
    await sp?.close();
    await stack?.close();
  });

  const gw = (path: string) => `${stack.gatewayUrl}${path}`;
  const gatewayHost = () => new URL(stack.gatewayUrl).host;

  /** At the password page of a login that asks for the SMS code: password, then the code sent to `phone`. */
  async function twoFactors(b: Browser, login: Page, phone: string): Promise<Page> {
    expect(atPasswordPage(login), login.html).to.equal(true);
    const before = sink.smsTo(phone).length;
    const codePage = await b.submit(login, '/login/password', { email: ANA.email, password: ANA.password });
    expect(codePage.has('autocomplete="one-time-code"'), codePage.html).to.equal(true);
    return b.submit(codePage, '/login/code', { code: await sink.nextSmsCode(phone, before) });
  }

  /** The e-service's request asking for the levels in order of preference (SAML core 3.3.2.2.1). */
  const request = (authnContext: string[], racComparison: 'exact' | 'minimum') =>
    new SAML({
      ...sp.saml.options,
      disableRequestedAuthnContext: false,
      authnContext,
      racComparison,
    }).getAuthorizeUrlAsync('', undefined, {});
  const prefersTwoFactors = () => request([LOA_URI.substantial, LOA_URI.low], 'exact');
  const requiresTwoFactors = () => request([LOA_URI.substantial], 'minimum');

  async function acs(b: Browser, page: Page): Promise<Page> {
    expect(page.has('name="SAMLResponse"'), page.html).to.equal(true);
    return b.submit(page, '/saml/acs');
  }

  it('logs in to /account with password and SMS code and shows the personal data', async () => {
    const login = await ana.go(gw('/account'));
    const account = await twoFactors(ana, login, ANA.phone);
    expect(account.url.pathname, account.html).to.equal('/account');
    for (const shown of [ANA.givenName, ANA.familyName, ANA.email, ANA.taxNumber, ANA.birthDate])
      expect(account.has(shown), shown).to.equal(true);
    expect(account.has(`${ANA.phone} (verified)`)).to.equal(true);
    expect(account.has('href="/account/smspass/deactivate"')).to.equal(true);
  });

  it('changes the contact data directly (a contact e-mail, the mail language); the address only by a correction', async () => {
    const form = await ana.go(gw('/account/contact'));
    expect(form.has('name="street"')).to.equal(false);
    expect(form.has('href="/account/correction"')).to.equal(true);
    const saved = await ana.submit(form, '/account/contact', { language: 'en', addEmail: CONTACT_EMAIL });
    expect(saved.url.pathname + saved.url.search, saved.html).to.equal('/account?saved=contact');
    expect(saved.has(`${CONTACT_EMAIL} (not verified)`), saved.html).to.equal(true);
  });

  it('refuses to remove the only phone of an active smsPASS, with a message saying why', async () => {
    const phones = await ana.go(gw('/account/phones'));
    const refused = await ana.submit(phones, '/account/phones/remove', { phone: ANA.phone });
    expect(refused.status).to.equal(409);
    expect(formErrors(refused)).to.deep.equal([
      'This phone cannot be removed: it is your last verified phone and smsPASS is active. Add another phone first, or cancel smsPASS.',
    ]);
    expect(refused.has(`${ANA.phone}</span> (verified)`)).to.equal(true);
  });

  it('adds a phone: a login older than ten minutes logs in again, the code goes to the new number, the account address is told', async () => {
    const mailsBefore = sink.mailsTo(ANA.email).length;
    // Time passes: the login behind the session is eleven minutes old.
    await stack.ageLogin(ana.cookie(gatewayHost(), 'idp_session')!, ELEVEN_MINUTES);
    const phones = await ana.go(gw('/account/phones'));
    const again = await ana.submit(phones, '/account/phones/add', { phone: '031 777 222' });
    // Adding a phone changes where the second factor goes: it needs a fresh login, both factors.
    expect(again.url.pathname, again.html).to.equal('/login');
    expect(again.has('autocomplete="username"')).to.equal(true);
    expect(sink.smsTo(SECOND_PHONE)).to.have.length(0);
    const back = await twoFactors(ana, again, ANA.phone);
    expect(back.url.pathname, back.html).to.equal('/account/phones');
    expect(back.has(SECOND_PHONE)).to.equal(false);

    // Typed as people do; the number is normalised to E.164, and the code goes to it.
    const codePage = await ana.submit(back, '/account/phones/add', { phone: '+386 (31) 777-222' });
    expect(codePage.has('name="smsCode"'), codePage.html).to.equal(true);
    const code = await sink.nextSmsCode(SECOND_PHONE, 0);
    const wrong = code === '000000' ? '111111' : '000000';
    const retry = await ana.submit(codePage, '/account/phones/verify', { smsCode: wrong });
    expect(retry.has('name="smsCode"')).to.equal(true);
    expect(formErrors(retry)).to.have.length(1);
    const added = await ana.submit(retry, '/account/phones/verify', { smsCode: code });
    expect(added.url.pathname + added.url.search, added.html).to.equal('/account/phones?done=added');
    expect(added.has('The phone was added. We have also told you by e-mail.')).to.equal(true);
    expect(added.has(`${SECOND_PHONE}</span> (verified)`)).to.equal(true);
    expect(added.has(`${ANA.phone}</span> (verified)`)).to.equal(true);

    const mail = await sink.nthMail(ANA.email, mailsBefore + 1);
    expect(mail.subject).to.equal('A phone was added to your account');
    // Masked: the mail names the phone without giving the number away.
    expect(mail.text).to.match(/The phone \+386 [•\s]+22\b/);
    expect(mail.text).not.to.contain('777');
    // The contact e-mail is not where account notices go.
    expect(sink.mailsTo(CONTACT_EMAIL)).to.have.length(0);
  });

  it('removes the first phone; the codes then go to the added one, which is the last and stays', async () => {
    const phones = await ana.go(gw('/account/phones'));
    const removed = await ana.submit(phones, '/account/phones/remove', { phone: ANA.phone });
    expect(removed.url.pathname + removed.url.search, removed.html).to.equal('/account/phones?done=removed');
    expect(removed.has('The phone was removed.')).to.equal(true);
    expect(removed.has(ANA.phone)).to.equal(false);

    // A login at the e-service that prefers two factors: the SMS code now reaches the added phone.
    const b = new Browser();
    const posted = await twoFactors(b, await b.go(await prefersTwoFactors()), SECOND_PHONE);
    const result = await acs(b, posted);
    expect(result.has('Logged in'), result.html).to.equal(true);
    expect(levelOf(result)).to.equal(LOA_URI.substantial);

    const refused = await ana.submit(removed, '/account/phones/remove', { phone: SECOND_PHONE });
    expect(refused.status).to.equal(409);
    expect(refused.has(`${SECOND_PHONE}</span> (verified)`)).to.equal(true);
  });

  it('cancels smsPASS: logins no longer ask for an SMS code, the level drops, and two factors are refused with NoAuthnContext', async () => {
    const confirm = await ana.go(gw('/account/smspass/deactivate'));
    const done = await ana.submit(confirm, '/account/smspass/deactivate');
    expect(done.url.pathname + done.url.search, done.html).to.equal('/account?saved=smspassCancelled');
    expect(done.has('smsPASS is cancelled. You log in with your password.')).to.equal(true);
    expect(done.has('href="/account/smspass/deactivate"')).to.equal(false);
    const smsBefore = sink.sms().length;

    // The same e-service and request as before: the password alone now, and the lower level.
    const b = new Browser();
    const login = await b.go(await prefersTwoFactors());
    const posted = await b.submit(login, '/login/password', { email: ANA.email, password: ANA.password });
    expect(posted.has('autocomplete="one-time-code"')).to.equal(false);
    const result = await acs(b, posted);
    expect(result.has('Logged in'), result.html).to.equal(true);
    expect(levelOf(result)).to.equal(LOA_URI.low);

    // An e-service that needs two factors gets NoAuthnContext instead of an assertion.
    const strict = new Browser();
    const strictLogin = await strict.go(await requiresTwoFactors());
    const refused = await acs(
      strict,
      await strict.submit(strictLogin, '/login/password', { email: ANA.email, password: ANA.password }),
    );
    expect(refused.status).to.equal(400);
    expect(refused.html).to.contain('NoAuthnContext');
    expect(refused.has('Logged in')).to.equal(false);

    // The user pages' own login is the password alone too.
    const local = new Browser();
    const account = await local.submit(await local.go(gw('/account')), '/login/password', {
      email: ANA.email,
      password: ANA.password,
    });
    expect(account.url.pathname, account.html).to.equal('/account');
    expect(sink.sms().length, 'no SMS since the cancellation').to.equal(smsBefore);

    // The phones page no longer says the last phone must stay.
    const phones = await ana.go(gw('/account/phones'));
    expect(phones.has(`${SECOND_PHONE}</span> (verified)`)).to.equal(true);
    expect(phones.has('While smsPASS is active')).to.equal(false);
  });

  it('exports everything held about the citizen as a JSON download and a readable page', async () => {
    const file = await ana.go(gw('/account/export.json'));
    expect(file.status).to.equal(200);
    expect(file.headers.get('content-type')).to.match(/^application\/json/);
    expect(file.headers.get('content-disposition')).to.match(
      /^attachment; filename="personal-data-\d{4}-\d{2}-\d{2}\.json"$/,
    );
    expect(file.headers.get('cache-control')).to.equal('no-store');
    const doc = JSON.parse(file.html) as {
      account: { accountId: string; state: string; smsPass: string; email: string; language: string };
      personalData: Record<string, string>;
      contactEmails: { email: string; verified: boolean }[];
      phones: { phone: string; verified: boolean }[];
    };
    expect(doc.account).to.include({
      accountId,
      state: 'email_confirmed',
      smsPass: 'none',
      email: ANA.email,
      language: 'en',
    });
    expect(doc.personalData).to.include({
      givenName: ANA.givenName,
      familyName: ANA.familyName,
      taxNumber: ANA.taxNumber,
      birthDate: ANA.birthDate,
    });
    expect(doc.contactEmails.map((e) => [e.email, e.verified])).to.deep.equal([[CONTACT_EMAIL, false]]);
    expect(doc.phones.map((p) => [p.phone, p.verified])).to.deep.equal([[SECOND_PHONE, true]]);

    const page = await ana.go(gw('/account/export'));
    expect(page.status).to.equal(200);
    expect(page.headers.get('content-type')).to.match(/^text\/html/);
    for (const shown of [
      ANA.email,
      ANA.givenName,
      ANA.familyName,
      ANA.taxNumber,
      ANA.birthDate,
      CONTACT_EMAIL,
      SECOND_PHONE,
      'email_confirmed',
    ])
      expect(page.has(shown), shown).to.equal(true);
    expect(page.has('href="/account/export.json"')).to.equal(true);
  });

  it('deletes the account: the password is asked, the session ends, and logging in fails like an unknown account', async () => {
    const confirm = await ana.go(gw('/account/delete'));
    const wrong = await ana.submit(confirm, '/account/delete', { currentPassword: 'not my password at all' });
    expect(wrong.status).to.equal(401);
    expect(formErrors(wrong)).to.deep.equal(['The current password is not correct.']);

    const gone = await ana.submit(wrong, '/account/delete', { currentPassword: ANA.password });
    expect(gone.status, gone.html).to.equal(200);
    expect(gone.has('Your account is deleted')).to.equal(true);
    expect(ana.cookie(gatewayHost(), 'idp_session')).to.equal(undefined);
    expect((await ana.go(gw('/account'))).url.pathname).to.equal('/login');

    const b = new Browser();
    const login = await b.go(gw('/account'));
    const refused = await b.submit(login, '/login/password', { email: ANA.email, password: ANA.password });
    const unknown = await b.submit(login, '/login/password', {
      email: 'nobody@example.si',
      password: ANA.password,
    });
    expect(refused.status).to.equal(401);
    expect(loginError(refused)).to.equal('Wrong account name or password.');
    expect(loginError(unknown)).to.equal(loginError(refused));
  });

  it('leaves no personal data in the accounts database: the row is a tombstone', async () => {
    const [row] = await stack.query<Record<string, unknown>>(
      'SELECT * FROM accounts.accounts WHERE id = $1',
      [accountId],
    );
    expect(row).to.include({
      state: 'erased',
      email: null,
      given_name: null,
      family_name: null,
      tax_number: null,
      birth_date: null,
      emso: null,
      password_hash: '',
    });
    expect(row!.erased_at).to.be.instanceOf(Date);
    for (const table of ['phones', 'contact_emails', 'permanent_addresses', 'account_tokens']) {
      const rows = await stack.query(`SELECT 1 FROM accounts.${table} WHERE account_id = $1`, [accountId]);
      expect(rows, table).to.have.length(0);
    }
    const [key] = await stack.query<{ wrapped_key: Buffer | null; destroyed_at: Date | null }>(
      'SELECT wrapped_key, destroyed_at FROM accounts.person_keys WHERE account_id = $1',
      [accountId],
    );
    expect(key?.destroyed_at).to.be.instanceOf(Date);
    expect(key?.wrapped_key ?? Buffer.alloc(0)).to.have.length(0);

    // Every row of every table of the schema, as text: none of Ana's data in clear.
    const tables = await stack.query<{ table_name: string }>(
      "SELECT table_name FROM information_schema.tables WHERE table_schema = 'accounts' AND table_type = 'BASE TABLE'",
    );
    expect(tables.map((t) => t.table_name)).to.include.members(['accounts', 'outbox']);
    const personal = [
      ANA.email,
      ANA.givenName,
      ANA.familyName,
      ANA.taxNumber,
      ANA.birthDate,
      ANA.phone,
      SECOND_PHONE,
      CONTACT_EMAIL,
    ];
    // The mail jobs the outbox keeps are sealed, but with a key accounts holds (MAIL_SEAL_KEY): opened
    // as activation's mail worker opens them, none may still name her.
    const { MAIL_SEAL_KEY } = JSON.parse(readFileSync(join(stack.dir, 'mail-dev-secrets.json'), 'utf8')) as {
      MAIL_SEAL_KEY: string;
    };
    const sealer = createSealer(deriveKey(MAIL_SEAL_KEY, MAIL_SEAL_PURPOSE));
    const jobs = await stack.query<{ envelope: Envelope<{ mailId: string; sealed: string }> }>(
      "SELECT envelope FROM accounts.outbox WHERE subject = 'idp.work.mail.send.v1'",
    );
    const opened = jobs.map(({ envelope: e }) => sealer.open(e.data.sealed, e.data.mailId));
    expect(opened.join('\n')).not.to.contain(ANA.email);
    expect(jobs.filter((j) => j.envelope.aggregate.id === accountId)).to.have.length(0);
    for (const { table_name } of tables) {
      const dump = (
        await stack.query<{ row: string }>(`SELECT t::text AS row FROM accounts."${table_name}" t`)
      )
        .map((r) => r.row)
        .join('\n');
      for (const value of personal) expect(dump, `${value} in accounts.${table_name}`).not.to.contain(value);
    }
  });

  it('leaves only references in the audit log: the replay shows her encrypted data as [erased]', async () => {
    const replay = (format: 'json' | 'table') =>
      runCli(stack, ['audit', 'replay', '--account', accountId, '--format', format]);
    // The outbox relays the erasure shortly after its commit.
    const json = await waitFor(
      'the erasure in the log',
      async () => {
        const r = await replay('json');
        return r.stdout.includes('idp.account.erased.v1') && r;
      },
      15_000,
      200,
    );
    expect(json.code, json.stderr).to.equal(0);
    const events = json.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { subject: string });
    const subjects = events.map((e) => e.subject);
    expect(subjects).to.include.members([
      'idp.account.created.v1',
      'idp.account.personal_data_changed.v1',
      'idp.account.contact_data_updated.v1',
      'idp.account.phone_added.v1',
      'idp.account.phone_removed.v1',
      'idp.account.smspass_cancelled.v1',
      'idp.account.personal_data_exported.v1',
      'idp.account.erased.v1',
    ]);
    for (const value of [
      ANA.email,
      ANA.familyName,
      ANA.taxNumber,
      ANA.birthDate,
      ANA.phone,
      SECOND_PHONE,
      CONTACT_EMAIL,
    ])
      expect(json.stdout, value).not.to.contain(value);

    const table = await replay('table');
    expect(table.code, table.stderr).to.equal(0);
    const changed = table.stdout.split('\n').filter((l) => l.includes('personal_data_changed'));
    expect(changed.length).to.be.greaterThan(0);
    for (const line of changed) {
      expect(line).to.contain('[erased]');
      expect(line).not.to.contain('[encrypted]');
    }
  });
});
