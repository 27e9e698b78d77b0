import 'reflect-metadata';
import { expect } from 'chai';
import {
  ACCOUNT,
  Browser,
  hidden,
  PASSWORD,
  SMS_ACCOUNT,
  startPages,
  type Citizen,
  type PagesUnderTest,
} from './__fixtures__/pages-harness.js';

const CHALLENGE = '0b4d4c8e-1d2f-4f2a-9c1e-6c7a7b9a0001';

/** Logs in through the gateway's own login pages; `smsCode` for an account with smsPASS. */
async function login(b: Browser, email: string, page: string, smsCode?: string) {
  const start = await b.get(page);
  expect(start.location).to.equal('/login');
  const form = await b.get('/login');
  const pw = await b.post('/login/password', { csrf: hidden(form.html, 'csrf'), email, password: PASSWORD });
  if (smsCode === undefined) return pw;
  const codePage = await b.get('/login');
  return b.post('/login/code', { csrf: hidden(codePage.html, 'csrf'), code: smsCode });
}

describe('idp-gateway account data pages: phones, cancelling smsPASS, export, erasure (real NATS and Redis)', function () {
  this.timeout(30_000);
  let t: PagesUnderTest;
  let citizens: Citizen[];
  before(async () => {
    t = await startPages();
    citizens = t.world.citizens.map((c) => ({ ...c }));
  });
  after(async () => t?.close());
  beforeEach(() => {
    t.world.citizens = citizens.map((c) => ({ ...c }));
    t.world.phones.clear();
    t.world.calls.clear();
  });

  /** A browser logged in to `page`, with the page's CSRF token. */
  const loggedIn = async (who: 'ana' | 'bor', page: string) => {
    const b = new Browser(t.url);
    const done = await login(b, `${who}@example.si`, page, who === 'bor' ? '123456' : undefined);
    expect(done.location).to.equal(page);
    const shown = await b.get(page);
    expect(shown.status).to.equal(200);
    const csrf = shown.html.includes('name="csrf"') ? hidden(shown.html, 'csrf') : '';
    return { b, csrf, html: shown.html };
  };

  it('adds a phone proven by an SMS code: otp bind_phone, verify, then accounts add_phone', async () => {
    const { b, csrf } = await loggedIn('bor', '/account/phones');
    const codePage = await b.post('/account/phones/add', { csrf, phone: '+386 31 555 777' });
    expect(codePage.status).to.equal(200);
    expect(codePage.html).to.include('+386 •• ••• •45');
    expect(t.calls('otpIssue').at(-1)).to.deep.equal({
      accountId: SMS_ACCOUNT,
      serviceName: 'SI-PASS',
      purpose: 'bind_phone',
      phone: '+38631555777',
    });
    const form = {
      csrf,
      challengeId: hidden(codePage.html, 'challengeId'),
      phone: hidden(codePage.html, 'phone'),
      destinationHint: hidden(codePage.html, 'destinationHint'),
    };
    const wrong = await b.post('/account/phones/verify', { ...form, smsCode: '000000' });
    expect(wrong.status).to.equal(400);
    expect(wrong.html).to.include('The SMS code is not correct.');
    expect(t.calls('addPhone')).to.have.length(0);

    const right = await b.post('/account/phones/verify', { ...form, smsCode: '123 456' });
    expect(right.status).to.equal(303);
    expect(right.location).to.equal('/account/phones?done=added');
    expect(t.calls('addPhone')).to.deep.equal([
      { accountId: SMS_ACCOUNT, phone: '+38631555777', challengeId: CHALLENGE },
    ]);
    const page = await b.get(right.location!);
    expect(page.html).to.include('+38631555777').and.include('The phone was added.');
  });

  it('asks for a fresh login before adding a phone when the session is older than ten minutes', async () => {
    const b = new Browser(t.url);
    const now = new Date();
    const s = t.store.newSession(
      {
        accountId: ACCOUNT,
        loa: 'low',
        methods: ['password'],
        authnInstant: new Date(now.getTime() - 11 * 60_000).toISOString(),
      },
      now,
    );
    await t.store.putSession(s, now);
    b.cookies.set('idp_session', s.id);
    const page = await b.get('/account/phones');
    expect(page.status).to.equal(200);
    const add = await b.post('/account/phones/add', {
      csrf: hidden(page.html, 'csrf'),
      phone: '+38631555777',
    });
    expect(add.status).to.equal(303);
    expect(add.location).to.equal('/login');
    expect(t.calls('otpIssue')).to.have.length(0);
    // The login comes back to the phones page, in the same session, with a new login time.
    const form = await b.get('/login');
    const pw = await b.post('/login/password', {
      csrf: hidden(form.html, 'csrf'),
      email: 'ana@example.si',
      password: PASSWORD,
    });
    expect(pw.location).to.equal('/account/phones');
    expect(b.cookies.get('idp_session')).to.equal(s.id);
    const fresh = await t.store.getSession(s.id, new Date());
    expect(Date.parse(fresh!.authnInstant)).to.be.greaterThan(Date.parse(s.authnInstant));
  });

  it('never removes the last verified phone of an active smsPASS, and says why', async () => {
    t.world.phones.set(SMS_ACCOUNT, [{ phone: '+38640123456', verified: true }]);
    const { b, csrf, html } = await loggedIn('bor', '/account/phones');
    expect(html).to.include('+38640123456');
    const refused = await b.post('/account/phones/remove', { csrf, phone: '+38640123456' });
    expect(refused.status).to.equal(409);
    expect(refused.html).to.include(
      'This phone cannot be removed: it is your last verified phone and smsPASS is active.',
    );
    expect(t.world.phones.get(SMS_ACCOUNT)).to.have.length(1);

    t.world.phones.get(SMS_ACCOUNT)!.push({ phone: '+38631555777', verified: true });
    const removed = await b.post('/account/phones/remove', { csrf, phone: '+38640123456' });
    expect(removed.location).to.equal('/account/phones?done=removed');
    expect(t.world.phones.get(SMS_ACCOUNT)).to.deep.equal([{ phone: '+38631555777', verified: true }]);
  });

  it('refuses every post without the session CSRF token and calls no backend', async () => {
    t.world.phones.set(SMS_ACCOUNT, [{ phone: '+38640123456', verified: true }]);
    const { b } = await loggedIn('bor', '/account');
    t.world.calls.clear();
    const posts: [string, Record<string, string>][] = [
      ['/account/phones/add', { phone: '+38631555777' }],
      ['/account/phones/verify', { challengeId: CHALLENGE, phone: '+38631555777', smsCode: '123456' }],
      ['/account/phones/remove', { phone: '+38640123456' }],
      ['/account/smspass/deactivate', {}],
      ['/account/delete', { currentPassword: PASSWORD }],
    ];
    for (const [path, form] of posts) {
      for (const csrf of [undefined, 'not-the-token']) {
        const res = await b.post(path, csrf ? { ...form, csrf } : form);
        expect(res.status, path).to.equal(403);
        expect(res.html, path).to.include('The form expired or was sent from another window.');
      }
    }
    for (const call of ['otpIssue', 'otpVerify', 'addPhone', 'removePhone', 'cancelSmsPass', 'deleteAccount'])
      expect(t.calls(call), call).to.have.length(0);
  });

  it('cancels smsPASS after a confirmation page', async () => {
    const { b, csrf, html } = await loggedIn('bor', '/account/smspass/deactivate');
    expect(html).to.include('password only');
    const done = await b.post('/account/smspass/deactivate', { csrf });
    expect(done.location).to.equal('/account?saved=smspassCancelled');
    expect(t.calls('cancelSmsPass')).to.deep.equal([{ accountId: SMS_ACCOUNT }]);
    expect((await b.get(done.location!)).html).to.include('smsPASS is cancelled.');
  });

  it('exports the data as a JSON download and as a readable page', async () => {
    t.world.phones.set(ACCOUNT, [{ phone: '+38631555777', verified: false }]);
    const { b } = await loggedIn('ana', '/account/export');
    const file = await b.get('/account/export.json');
    expect(file.status).to.equal(200);
    expect(file.headers.get('content-type')).to.match(/^application\/json/);
    expect(file.headers.get('content-disposition')).to.match(
      /^attachment; filename="personal-data-\d{4}-\d\d-\d\d\.json"$/,
    );
    expect(file.headers.get('cache-control')).to.equal('no-store');
    const doc = JSON.parse(file.html) as { account: { email: string }; phones: { phone: string }[] };
    expect(doc.account.email).to.equal('ana@example.si');
    expect(doc.phones.map((p) => p.phone)).to.deep.equal(['+38631555777']);

    const page = await b.get('/account/export');
    expect(page.headers.get('content-type')).to.match(/^text\/html/);
    expect(page.html).to.include('ana@example.si').and.include('+38631555777');
    expect(page.html).to.include('Novak &lt;b&gt;');
    expect(page.html).to.include('href="/account/export.json"');
  });

  it('deletes the account with the password: the SSO session ends and the cookie is cleared', async () => {
    const { b, csrf } = await loggedIn('ana', '/account/delete');
    const sessionId = b.cookies.get('idp_session')!;
    const wrong = await b.post('/account/delete', { csrf, currentPassword: 'not the password' });
    expect(wrong.status).to.equal(401);
    expect(wrong.html).to.include('The current password is not correct.');
    expect(await t.store.getSession(sessionId, new Date())).to.not.equal(undefined);

    const bye = await b.post('/account/delete', { csrf, currentPassword: PASSWORD });
    expect(bye.status).to.equal(200);
    expect(bye.html).to.include('Your account is deleted');
    expect(t.calls('deleteAccount').at(-1)).to.deep.equal({ accountId: ACCOUNT, password: PASSWORD });
    expect(b.cookies.has('idp_session')).to.equal(false);
    expect(await t.store.getSession(sessionId, new Date())).to.equal(undefined);
    // The old cookie opens nothing any more.
    const replay = new Browser(t.url);
    replay.cookies.set('idp_session', sessionId);
    expect((await replay.get('/account')).location).to.equal('/login');
  });
});
