import { expect } from 'chai';
import {
  Browser,
  hidden,
  PASSWORD,
  startPages,
  TERMS,
  type PagesUnderTest,
} from './__fixtures__/pages-harness.js';

const TOKEN = 'A'.repeat(43);
const registration = (csrf: string, o: Record<string, string> = {}) => ({
  csrf,
  termsVersion: TERMS,
  email: 'new@example.si',
  password: PASSWORD,
  givenName: 'Ana',
  familyName: 'Novak',
  taxNumber: '12345679',
  emso: '',
  birthDate: '1990-05-17',
  street: 'Slovenska 1',
  postalCode: '1000',
  city: 'Ljubljana',
  country: 'si',
  phone: '+386 41 123 456',
  terms: 'yes',
  ...o,
});

describe('idp-gateway registration and password reset pages (real NATS and Redis, stand-in accounts)', function () {
  this.timeout(30_000);
  let t: PagesUnderTest;
  before(async () => {
    t = await startPages();
  });
  after(async () => t?.close());

  it('shows the registration form with the current terms version and new-password autocomplete', async () => {
    const b = new Browser(t.url);
    const page = await b.get('/register');
    expect(page.status).to.equal(200);
    expect(page.html).to.include('autocomplete="new-password"');
    expect(page.html).to.include('autocomplete="bday"');
    expect(page.html).to.include(`(version ${TERMS})`);
    expect(hidden(page.html, 'termsVersion')).to.equal(TERMS);
    expect(b.cookies.has('idp_form')).to.equal(true);
  });

  it("shows accounts' terms version, asking accounts at most once while it is cached", async () => {
    const before = t.calls('getTerms').length;
    for (let i = 0; i < 3; i++) {
      const page = await new Browser(t.url).get('/register');
      expect(hidden(page.html, 'termsVersion')).to.equal(TERMS);
    }
    expect(t.calls('getTerms').length - before).to.be.at.most(1);
  });

  it('refuses terms that changed between the page and the submit at the checkbox, showing the new version', async () => {
    const b = new Browser(t.url);
    const csrf = hidden((await b.get('/register')).html, 'csrf');
    t.world.termsVersion = '2026-07';
    try {
      const res = await b.post('/register', registration(csrf, { email: 'late@example.si' }));
      expect(res.status).to.equal(409);
      expect(res.html).to.include('id="terms-error"');
      expect(res.html).to.include('The terms of use have changed');
      expect(hidden(res.html, 'termsVersion')).to.equal('2026-07');
      expect(res.html).to.include('(version 2026-07)');
      const again = await b.post(
        '/register',
        registration(csrf, { email: 'late@example.si', termsVersion: '2026-07' }),
      );
      expect(again.status).to.equal(303);
    } finally {
      t.world.termsVersion = TERMS;
    }
    // Back to the first version: the page that still shows 2026-07 is refused and refreshed in turn.
    const res = await b.post('/register', registration(csrf, { termsVersion: '2026-07' }));
    expect(res.status).to.equal(409);
    expect(hidden(res.html, 'termsVersion')).to.equal(TERMS);
  });

  it('refuses a registration without the CSRF token bound to the browser, and calls nothing', async () => {
    const b = new Browser(t.url);
    await b.get('/register');
    const before = t.calls('register').length;
    const res = await b.post('/register', registration('forged'));
    expect(res.status).to.equal(403);
    // Another browser's valid token does not do either.
    const other = new Browser(t.url);
    const res2 = await b.post('/register', registration(hidden((await other.get('/register')).html, 'csrf')));
    expect(res2.status).to.equal(403);
    expect(t.calls('register')).to.have.length(before);
  });

  it('registers and answers "check your e-mail" the same way for a new and an existing address', async () => {
    const answers = [];
    for (const email of ['new@example.si', 'ana@example.si']) {
      const b = new Browser(t.url);
      const csrf = hidden((await b.get('/register')).html, 'csrf');
      const posted = await b.post('/register', registration(csrf, { email }));
      const sent = await b.get(posted.location!);
      answers.push({
        status: posted.status,
        location: posted.location,
        page: sent.html.replace(/idp_\w+=[^;]+/g, ''),
      });
    }
    expect(answers[0]).to.deep.equal(answers[1]);
    expect(answers[0]!.status).to.equal(303);
    expect(answers[0]!.location).to.equal('/register/sent');
    const sent = t.calls('register').at(-1) as Record<string, unknown>;
    expect(sent).to.include({
      email: 'ana@example.si',
      termsVersion: TERMS,
      language: 'en',
      phone: '+386 41 123 456',
    });
    expect(sent.address).to.deep.equal({
      street: 'Slovenska 1',
      postalCode: '1000',
      city: 'Ljubljana',
      country: 'SI',
    });
    expect(sent).not.to.have.property('emso');
  });

  it('ties a refused field to its input and keeps what was typed and ticked, but never the password', async () => {
    const b = new Browser(t.url);
    const csrf = hidden((await b.get('/register')).html, 'csrf');
    const res = await b.post('/register', registration(csrf, { taxNumber: '10000003' }));
    expect(res.status).to.equal(409);
    expect(res.html).to.match(/<p class="error" id="taxNumber-error">/);
    expect(res.html).to.match(/id="taxNumber"[^>]*aria-invalid="true" aria-describedby="taxNumber-error"/);
    expect(res.html).to.include('href="#taxNumber"');
    expect(res.html).to.include('value="Novak"');
    expect(res.html).to.match(/<input id="terms"[^>]* checked[ >]/);
    expect(res.html).not.to.include(PASSWORD);
  });

  it('asks for the terms and the required fields before calling accounts', async () => {
    const b = new Browser(t.url);
    const csrf = hidden((await b.get('/register')).html, 'csrf');
    const before = t.calls('register').length;
    const res = await b.post(
      '/register',
      registration(csrf, { terms: '', givenName: '', birthDate: '17.5.1990' }),
    );
    expect(res.status).to.equal(400);
    for (const id of ['terms-error', 'givenName-error', 'birthDate-error'])
      expect(res.html).to.include(`id="${id}"`);
    expect(res.html).not.to.match(/<input id="terms"[^>]* checked[ >]/);
    expect(t.calls('register')).to.have.length(before);
  });

  it('confirms an e-mail only when the button is pressed, not when the link is opened', async () => {
    const b = new Browser(t.url);
    const page = await b.get(`/register/confirm?token=${TOKEN}`);
    expect(page.status).to.equal(200);
    expect(t.calls('confirmEmail')).to.have.length(0);
    const res = await b.post('/register/confirm', {
      csrf: hidden(page.html, 'csrf'),
      token: hidden(page.html, 'token'),
    });
    expect(res.status).to.equal(200);
    expect(t.calls('confirmEmail')).to.deep.equal([{ token: TOKEN }]);
    expect(res.html).to.include('href="/account"');
  });

  it('says a link is not valid for a malformed, unknown or used token', async () => {
    const b = new Browser(t.url);
    expect((await b.get('/register/confirm?token=short')).status).to.equal(400);
    const page = await b.get(`/register/confirm?token=${'x'.repeat(43)}`);
    const res = await b.post('/register/confirm', { csrf: hidden(page.html, 'csrf'), token: 'x'.repeat(43) });
    expect(res.status).to.equal(400);
    expect(res.html).to.include('The link is not valid');
    // Most often a second click on a link that already worked: the way on is to log in.
    expect(res.html).to.include('href="/account"');
  });

  it('answers a password reset request the same way whatever the address', async () => {
    const pages = [];
    for (const email of ['ana@example.si', 'nobody@example.si']) {
      const b = new Browser(t.url);
      const csrf = hidden((await b.get('/password/forgot')).html, 'csrf');
      const res = await b.post('/password/forgot', { csrf, email });
      pages.push({ status: res.status, location: res.location, html: (await b.get(res.location!)).html });
    }
    expect(pages[0]).to.deep.equal(pages[1]);
    expect(pages[0]!.location).to.equal('/password/sent');
    expect(t.calls('requestPasswordReset')).to.deep.equal([
      { email: 'ana@example.si', language: 'en' },
      { email: 'nobody@example.si', language: 'en' },
    ]);
  });

  it('sets a new password from a reset link, showing a refused password at its field', async () => {
    const b = new Browser(t.url);
    const page = await b.get(`/password/reset?token=${TOKEN}`);
    expect(page.html).to.include('autocomplete="new-password"');
    const csrf = hidden(page.html, 'csrf');
    const weak = await b.post('/password/reset', { csrf, token: TOKEN, password: 'short' });
    expect(weak.status).to.equal(400);
    expect(weak.html).to.include('id="password-error"');
    const ok = await b.post('/password/reset', { csrf, token: TOKEN, password: PASSWORD });
    expect(ok.status).to.equal(200);
    expect(t.calls('resetPassword')).to.have.length(2);
    const forged = await b.post('/password/reset', { csrf: 'nope', token: TOKEN, password: PASSWORD });
    expect(forged.status).to.equal(403);
    expect(t.calls('resetPassword')).to.have.length(2);
  });

  it('serves the pages in Slovenian by default and switches with ?lang', async () => {
    const b = new Browser(t.url, { 'accept-language': 'sl' });
    expect((await b.get('/register')).html).to.include('<html lang="sl">');
    const en = await b.get('/register?lang=en');
    expect(en.html).to.include('<html lang="en">');
    expect(b.cookies.get('idp_lang')).to.equal('en');
  });
});
