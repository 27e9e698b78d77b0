import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { connect } from '@nats-io/transport-node';
import { createRpcClient, raRpc, type Envelope, type RpcRequest } from '@idp/events';
import { waitFor } from '@idp/testing';
import { ConsoleClient, hidden, textOf } from '../__fixtures__/console-client.js';
import { startRa, type CorrectionView, type RaUnderTest } from '../__fixtures__/harness.js';
import { totpCode } from '../domain/totp.js';

const PASSWORD = 'officer password 1';
const STEP_MS = 30_000;

/**
 * The officer console over HTTP with a real fetch client: real PostgreSQL, a real NATS server of
 * the test's own with JetStream, and stand-ins answering activation and accounts on their subjects.
 */
describe('officer console (HTTP, real PostgreSQL + NATS/JetStream)', function () {
  this.timeout(60_000);
  let ra: RaUnderTest;
  let createOfficer: (r: RpcRequest<typeof raRpc.createOfficer>) => Promise<{ officerId: string }>;
  let disableOfficer: (email: string) => Promise<unknown>;
  let closeClient: () => Promise<void>;

  before(async () => {
    ra = await startRa({ start: new Date('2026-03-02T09:00:10Z') });
    // The operator CLI's path: a separate NATS connection asking the service.
    const nc = await connect({ servers: ra.nc.getServer() });
    const rpc = createRpcClient(nc, { defaultTimeoutMs: 5000 });
    createOfficer = (r) => rpc.call(raRpc.createOfficer, r, { correlationId: randomUUID() });
    disableOfficer = (email) => rpc.call(raRpc.disableOfficer, { email }, { correlationId: randomUUID() });
    closeClient = () => nc.close();
  });
  after(async () => {
    await closeClient?.();
    await ra?.close();
  });

  const eventsOf = async (subject: string, officerId?: string) =>
    (await ra.events()).filter(
      (e) =>
        e.subject === subject && (!officerId || (e.data as { officerId?: string }).officerId === officerId),
    );
  const waitForEvent = (subject: string, officerId?: string, count = 1): Promise<Envelope[]> =>
    waitFor(
      `${count} × ${subject} in IDP_EVENTS`,
      async () => {
        const found = await eventsOf(subject, officerId);
        return found.length >= count && found;
      },
      10_000,
      50,
    );

  /** Password step with the login page's CSRF token; returns the response. */
  async function passwordStep(c: ConsoleClient, email: string, password: string) {
    const login = await c.get('/login');
    return c.post('/login', { csrf: hidden(login.html, 'csrf'), email, password });
  }

  /** Enrols through the QR page, reading the secret from the otpauth URI the page shows. */
  async function enrol(c: ConsoleClient, email: string): Promise<string> {
    const r = await passwordStep(c, email, PASSWORD);
    expect(r.status).to.equal(303);
    expect(r.location).to.equal('/login/enrol');
    const page = await c.get('/login/enrol');
    expect(page.status).to.equal(200);
    expect(page.html).to.match(/<img class="qr" id="qr" src="data:image\/png;base64,/);
    const uri = new URL(textOf(page.html, 'otpauth-uri')!);
    const secret = uri.searchParams.get('secret')!;
    expect(uri.searchParams.get('issuer')).to.equal('SI-PASS RA test');
    const done = await c.post('/login/enrol', {
      csrf: hidden(page.html, 'csrf'),
      code: totpCode(secret, ra.clock.now()),
    });
    expect(done.status).to.equal(303);
    expect(done.location).to.equal('/');
    return secret;
  }

  describe('create_officer.v1 and disable_officer.v1', () => {
    it('creates an officer and records it; a second one with that e-mail is refused', async () => {
      const { officerId } = await createOfficer({
        email: 'Create@RA.example.si',
        displayName: 'Cene Kovač',
        password: PASSWORD,
      });
      const row = await ra.database.db
        .selectFrom('officers')
        .selectAll()
        .where('id', '=', officerId)
        .executeTakeFirstOrThrow();
      expect(row.email).to.equal('create@ra.example.si');
      expect(row.password_hash).to.match(/^\$argon2id\$/);
      expect(row.totp_enrolled_at).to.equal(null);
      const [created] = await waitForEvent('idp.ra.officer_created.v1', officerId);
      expect(created!.actor).to.deep.equal({ kind: 'admin' });
      const again = await createOfficer({
        email: 'create@ra.example.si',
        displayName: 'X',
        password: PASSWORD,
      }).catch((e: unknown) => e);
      expect(again).to.include({ kind: 'already_exists', code: 'ra.officer_exists' });
    });

    it('refuses a password shorter than 12 characters', async () => {
      const err = await createOfficer({
        email: 'short@ra.example.si',
        displayName: 'S',
        password: 'short',
      }).catch((e: unknown) => e);
      expect(err).to.include({ kind: 'invalid_argument', code: 'ra.weak_password' });
    });
  });

  describe('login', () => {
    let officerId: string;
    let secret: string;
    before(async () => {
      ({ officerId } = await createOfficer({
        email: 'mojca@ra.example.si',
        displayName: 'Mojca Zupan',
        password: PASSWORD,
      }));
    });

    it('serves the login page with the web-security headers and a CSRF cookie that scripts cannot read', async () => {
      const c = new ConsoleClient(ra.url);
      const page = await c.get('/login');
      expect(page.status).to.equal(200);
      const csp = page.headers.get('content-security-policy')!;
      expect(csp)
        .to.contain("frame-ancestors 'none'")
        .and.to.contain("script-src 'self'")
        .and.to.contain("default-src 'none'");
      expect(csp).to.not.contain('unsafe-inline');
      expect(page.headers.get('x-frame-options')).to.equal('DENY');
      expect(page.headers.get('cache-control')).to.equal('no-store');
      expect(page.html).to.not.match(/<script/);
      const cookie = c.setCookies.find((l) => l.startsWith('ra_login_csrf='))!;
      expect(cookie)
        .to.match(/HttpOnly/)
        .and.to.match(/Secure/)
        .and.to.match(/SameSite=Strict/);
      expect(hidden(page.html, 'csrf')).to.equal(c.cookies.get('ra_login_csrf'));
    });

    it('refuses a login form without the CSRF token, and starts no session', async () => {
      const c = new ConsoleClient(ra.url);
      await c.get('/login');
      const r = await c.post('/login', { csrf: 'forged', email: 'mojca@ra.example.si', password: PASSWORD });
      expect(r.status).to.equal(403);
      expect(textOf(r.html, 'form-error')).to.equal('The form has expired. Try again.');
      expect(c.cookies.has('ra_session')).to.be.false;
    });

    it('answers an unknown e-mail and a wrong password alike, and records both', async () => {
      const c = new ConsoleClient(ra.url);
      const unknown = await passwordStep(c, 'nobody@ra.example.si', PASSWORD);
      const wrong = await passwordStep(c, 'mojca@ra.example.si', 'not the password');
      expect(unknown.status).to.equal(401);
      expect(wrong.status).to.equal(401);
      expect(textOf(unknown.html, 'form-error')).to.equal(textOf(wrong.html, 'form-error'));
      const [failed] = await waitForEvent('idp.ra.officer_login_failed.v1', officerId);
      expect(failed!.data).to.deep.equal({ officerId, reason: 'wrong_password' });
      expect(failed!.actor).to.deep.equal({ kind: 'anonymous' });
      const anonymous = (await eventsOf('idp.ra.officer_login_failed.v1')).filter(
        (e) => (e.data as { reason: string }).reason === 'unknown',
      );
      expect(anonymous).to.have.length(1);
      expect(anonymous[0]!.data).to.deep.equal({ reason: 'unknown' });
    });

    it('enrols by QR code: the console stays closed until a valid TOTP code confirms the app', async () => {
      const c = new ConsoleClient(ra.url);
      const r = await passwordStep(c, 'mojca@ra.example.si', PASSWORD);
      expect(r.location).to.equal('/login/enrol');
      // The password alone opens nothing.
      expect((await c.get('/')).location).to.equal('/login');
      const page = await c.get('/login/enrol');
      const uri = new URL(textOf(page.html, 'otpauth-uri')!);
      expect(decodeURIComponent(uri.pathname)).to.equal('/SI-PASS RA test:mojca@ra.example.si');
      secret = uri.searchParams.get('secret')!;
      // A reload shows the same secret: the officer may already have scanned it.
      expect(
        new URL(textOf((await c.get('/login/enrol')).html, 'otpauth-uri')!).searchParams.get('secret'),
      ).to.equal(secret);
      const sealed = await ra.database.db
        .selectFrom('officers')
        .select('totp_secret')
        .where('id', '=', officerId)
        .executeTakeFirstOrThrow();
      expect(sealed.totp_secret).to.be.a('string').and.not.contain(secret);

      const csrf = hidden(page.html, 'csrf');
      const code = totpCode(secret, ra.clock.now());
      expect((await c.post('/login/enrol', { csrf: 'forged', code })).status).to.equal(403);
      const wrongCode = code === '000000' ? '111111' : '000000';
      const bad = await c.post('/login/enrol', { csrf, code: wrongCode });
      expect(bad.status).to.equal(401);
      const pendingToken = c.cookies.get('ra_session');
      const ok = await c.post('/login/enrol', { csrf, code });
      expect(ok.status).to.equal(303);
      expect(ok.location).to.equal('/');
      // A new session token after login; the pre-login one is gone.
      expect(c.cookies.get('ra_session')).to.be.a('string').and.not.equal(pendingToken);
      const sessionCookie = c.setCookies.filter((l) => l.startsWith('ra_session=')).at(-1)!;
      expect(sessionCookie)
        .to.match(/HttpOnly/)
        .and.to.match(/Secure/)
        .and.to.match(/SameSite=Strict/);
      const home = await c.get('/');
      expect(home.status).to.equal(200);
      expect(home.html).to.contain('Mojca Zupan');

      const [enrolled] = await waitForEvent('idp.ra.officer_enrolled.v1', officerId);
      const [loggedIn] = await waitForEvent('idp.ra.officer_logged_in.v1', officerId);
      for (const e of [enrolled!, loggedIn!]) {
        expect(e.actor).to.deep.equal({ kind: 'admin', id: officerId });
        expect(e.aggregate).to.deep.equal({ type: 'officer', id: officerId });
      }
      const failedTotp = (await eventsOf('idp.ra.officer_login_failed.v1', officerId)).filter(
        (e) => (e.data as { reason: string }).reason === 'wrong_totp',
      );
      expect(failedTotp).to.have.length(1);
    });

    it('asks an enrolled officer for a TOTP code and refuses a code of an already used time step', async () => {
      const c = new ConsoleClient(ra.url);
      const r = await passwordStep(c, 'mojca@ra.example.si', PASSWORD);
      expect(r.location).to.equal('/login/totp');
      const page = await c.get('/login/totp');
      const csrf = hidden(page.html, 'csrf');
      // The code enrolment used, still inside its 30 seconds: a replay.
      const replay = await c.post('/login/totp', { csrf, code: totpCode(secret, ra.clock.now()) });
      expect(replay.status).to.equal(401);
      expect(c.cookies.has('ra_session')).to.be.true;
      expect((await c.get('/')).location).to.equal('/login');

      ra.clock.advance(STEP_MS);
      const ok = await c.post('/login/totp', { csrf, code: totpCode(secret, ra.clock.now()) });
      expect(ok.status).to.equal(303);
      expect((await c.get('/')).status).to.equal(200);
      await waitForEvent('idp.ra.officer_logged_in.v1', officerId, 2);
    });

    it('ends the session after 15 idle minutes, and on logout (which needs the CSRF token)', async () => {
      ra.clock.advance(STEP_MS);
      const c = new ConsoleClient(ra.url);
      await passwordStep(c, 'mojca@ra.example.si', PASSWORD);
      const page = await c.get('/login/totp');
      await c.post('/login/totp', {
        csrf: hidden(page.html, 'csrf'),
        code: totpCode(secret, ra.clock.now()),
      });
      const home = await c.get('/');
      expect(home.status).to.equal(200);
      expect((await c.post('/logout', { csrf: 'forged' })).status).to.equal(403);
      expect((await c.get('/')).status).to.equal(200);
      const out = await c.post('/logout', { csrf: hidden(home.html, 'csrf') });
      expect(out.location).to.equal('/login?out=1');
      expect((await c.get('/')).location).to.equal('/login');

      ra.clock.advance(STEP_MS);
      const idle = new ConsoleClient(ra.url);
      await passwordStep(idle, 'mojca@ra.example.si', PASSWORD);
      const p2 = await idle.get('/login/totp');
      await idle.post('/login/totp', {
        csrf: hidden(p2.html, 'csrf'),
        code: totpCode(secret, ra.clock.now()),
      });
      ra.clock.advance(14 * 60_000);
      expect((await idle.get('/')).status).to.equal(200);
      ra.clock.advance(15 * 60_000);
      expect((await idle.get('/')).location).to.equal('/login');
    });

    it('locks the account after 3 failures: then even the right password is refused, and says so', async () => {
      const { officerId: id } = await createOfficer({
        email: 'lock@ra.example.si',
        displayName: 'L',
        password: PASSWORD,
      });
      const c = new ConsoleClient(ra.url);
      for (let i = 0; i < 3; i++)
        expect((await passwordStep(c, 'lock@ra.example.si', 'wrong password!')).status).to.equal(401);
      const locked = await passwordStep(c, 'lock@ra.example.si', PASSWORD);
      expect(locked.status).to.equal(429);
      expect(c.cookies.has('ra_session')).to.be.false;
      const reasons = (await waitForEvent('idp.ra.officer_login_failed.v1', id, 4)).map(
        (e) => (e.data as { reason: string }).reason,
      );
      expect(reasons).to.deep.equal(['wrong_password', 'wrong_password', 'wrong_password', 'locked']);
      ra.clock.advance(15 * 60_000);
      expect((await passwordStep(c, 'lock@ra.example.si', PASSWORD)).location).to.equal('/login/enrol');
    });
  });

  describe('decisions', () => {
    let officerId: string;
    let c: ConsoleClient;
    const accountId = randomUUID();
    const request = (n: string, state: 'awaiting_officer' | 'code_sent' = 'awaiting_officer') => ({
      requestId: randomUUID(),
      requestNumber: n,
      accountId,
      path: 'ra' as const,
      state,
      createdAt: '2026-03-01T08:00:00.000Z',
    });
    const approveMe = request('A-7K3M9Q2P');
    const rejectMe = request('A-7K3M9Q2Q');
    const correction = (n: string, o: Partial<CorrectionView> = {}): CorrectionView => ({
      requestId: randomUUID(),
      requestNumber: n,
      accountId,
      path: 'ra',
      state: 'submitted',
      createdAt: '2026-03-01T09:00:00.000Z',
      expiresAt: '2026-03-31T09:00:00.000Z',
      fields: ['family_name', 'address'],
      proposed: {
        familyName: 'Kovač',
        address: { street: 'Prešernova ulica 2', postalCode: '2000', city: 'Maribor', country: 'SI' },
      },
      ...o,
    });
    const approveCorrection = correction('C-4HTR7KQ2');
    const rejectCorrection = correction('C-4HTR7KQ3', {
      fields: ['given_name'],
      proposed: { givenName: 'Anja' },
    });

    before(async () => {
      ra.world.people.set(accountId, {
        smsPass: 'active',
        attributes: {
          givenName: 'Ana',
          familyName: 'Novak',
          taxNumber: '50223054',
          birthDate: '1990-05-17',
          emso: '1705990505005',
          address: 'Slovenska cesta 1, 1000 Ljubljana',
        },
      });
      ra.world.requests.push(approveMe, rejectMe);
      ra.world.corrections.push(approveCorrection, rejectCorrection);
      ({ officerId } = await createOfficer({
        email: 'desk@ra.example.si',
        displayName: 'Desk',
        password: PASSWORD,
      }));
      ra.clock.advance(STEP_MS);
      c = new ConsoleClient(ra.url);
      await enrol(c, 'desk@ra.example.si');
    });

    it('finds requests by tax number and by request number', async () => {
      const byTax = await c.get('/requests?q=SI%2050223054');
      expect(byTax.status).to.equal(200);
      expect(byTax.html).to.contain('A-7K3M9Q2P').and.to.contain('A-7K3M9Q2Q');
      const byNumber = await c.get('/requests?q=a-7k3m9q2p');
      expect(byNumber.html).to.contain('/requests/A-7K3M9Q2P').and.not.to.contain('A-7K3M9Q2Q');
      expect((await c.get('/requests?q=10000003')).html).to.contain('id="no-results"');
      expect((await c.get('/requests?q=1234')).status).to.equal(400);
    });

    it('shows the personal data to compare with the document', async () => {
      const page = await c.get('/requests/A-7K3M9Q2P');
      expect(page.status).to.equal(200);
      for (const v of [
        'Ana',
        'Novak',
        '50223054',
        '1990-05-17',
        '1705990505005',
        'Slovenska cesta 1, 1000 Ljubljana',
      ])
        expect(page.html).to.contain(v);
    });

    it('refuses an expired document, then approves: id_checks row and identity_confirmed in one go', async () => {
      const page = await c.get('/requests/A-7K3M9Q2P');
      const csrf = hidden(page.html, 'csrf');
      const form = {
        csrf,
        documentType: 'identity_card',
        documentNumber: 'IA 123 456',
        documentExpiresOn: '2026-03-01',
      };
      const expired = await c.post('/requests/A-7K3M9Q2P/approve', form);
      expect(expired.status).to.equal(409);
      expect(await ra.database.db.selectFrom('id_checks').selectAll().execute()).to.have.length(0);
      expect(
        (
          await c.post('/requests/A-7K3M9Q2P/approve', {
            ...form,
            csrf: 'forged',
            documentExpiresOn: '2031-05-31',
          })
        ).status,
      ).to.equal(403);

      const ok = await c.post('/requests/A-7K3M9Q2P/approve', { ...form, documentExpiresOn: '2031-05-31' });
      expect(ok.status).to.equal(303);
      expect(ok.location).to.equal('/requests/A-7K3M9Q2P?done=approved');
      const row = await ra.database.db
        .selectFrom('id_checks')
        .selectAll()
        .where('request_id', '=', approveMe.requestId)
        .executeTakeFirstOrThrow();
      expect(row).to.deep.include({
        officer_id: officerId,
        decision: 'approved',
        document_type: 'identity_card',
        document_number: 'IA123456',
        account_id: accountId,
      });
      const [confirmed] = await waitForEvent('idp.ra.identity_confirmed.v1', officerId);
      expect(confirmed!.actor).to.deep.equal({ kind: 'admin', id: officerId });
      // Part of the request's journey in the audit log.
      expect(confirmed!.correlationId).to.equal(approveMe.requestId);
      expect(confirmed!.data).to.deep.equal({
        officerId,
        requestId: approveMe.requestId,
        accountId,
        documentType: 'identity_card',
        documentExpiresOn: '2031-05-31',
      });
      // The document number stays in the ra schema.
      expect(JSON.stringify(await ra.events())).to.not.contain('IA123456');
      const after = await c.get('/requests/A-7K3M9Q2P?done=approved');
      expect(textOf(after.html, 'notice')).to.contain('Identity confirmed');
      expect(after.html).to.not.contain('/requests/A-7K3M9Q2P/approve');

      const again = await c.post('/requests/A-7K3M9Q2P/approve', {
        ...form,
        documentExpiresOn: '2031-05-31',
      });
      expect(again.status).to.equal(409);
      expect(await eventsOf('idp.ra.identity_confirmed.v1')).to.have.length(1);
    });

    it('refuses to decide a request that is not waiting for an officer', async () => {
      ra.world.requests.push(request('A-7K3M9Q2R', 'code_sent'));
      const page = await c.get('/requests/A-7K3M9Q2R');
      const r = await c.post('/requests/A-7K3M9Q2R/reject', {
        csrf: hidden(page.html, 'csrf'),
        reason: 'photo does not match',
      });
      expect(r.status).to.equal(409);
    });

    it('rejects with a reason: request_rejected names the officer', async () => {
      const page = await c.get('/requests/A-7K3M9Q2Q');
      const r = await c.post('/requests/A-7K3M9Q2Q/reject', {
        csrf: hidden(page.html, 'csrf'),
        reason: 'The photo does not match the person.',
      });
      expect(r.location).to.equal('/requests/A-7K3M9Q2Q?done=rejected');
      const [rejected] = await waitForEvent('idp.ra.request_rejected.v1', officerId);
      expect(rejected!.data).to.deep.equal({
        officerId,
        requestId: rejectMe.requestId,
        accountId,
        reason: 'The photo does not match the person.',
      });
    });

    it('lists corrections beside the activation requests, and finds one by its number', async () => {
      const byTax = await c.get('/requests?q=50223054');
      expect(byTax.html).to.contain('/requests/C-4HTR7KQ2').and.contain('/requests/A-7K3M9Q2P');
      expect(byTax.html).to.contain('personal data correction').and.contain('smsPASS activation');
      const byNumber = await c.get('/requests?q=c-4htr7kq2');
      expect(byNumber.html).to.contain('/requests/C-4HTR7KQ2').and.not.contain('/requests/A-7K3M9Q2P');
    });

    it('shows the values on record beside the proposed ones', async () => {
      const page = await c.get('/requests/C-4HTR7KQ2');
      expect(page.status).to.equal(200);
      const row = (field: string) => new RegExp(`data-field="${field}"[\\s\\S]*?</tr>`).exec(page.html)?.[0];
      expect(row('family_name')).to.contain('Novak').and.contain('<strong>Kovač</strong>');
      expect(row('address'))
        .to.contain('Slovenska cesta 1, 1000 Ljubljana')
        .and.contain('<strong>Prešernova ulica 2, 2000 Maribor</strong>');
      expect(row('given_name')).to.equal(undefined);
      expect(page.html).to.contain('/requests/C-4HTR7KQ2/approve').and.contain('Confirm the correction');
    });

    it('approves with the document checked: id_checks row and correction_approved naming the officer', async () => {
      const page = await c.get('/requests/C-4HTR7KQ2');
      const ok = await c.post('/requests/C-4HTR7KQ2/approve', {
        csrf: hidden(page.html, 'csrf'),
        documentType: 'passport',
        documentNumber: 'PB 765 432',
        documentExpiresOn: '2032-01-31',
      });
      expect(ok.status).to.equal(303);
      expect(ok.location).to.equal('/requests/C-4HTR7KQ2?done=approved');
      const row = await ra.database.db
        .selectFrom('id_checks')
        .selectAll()
        .where('request_id', '=', approveCorrection.requestId)
        .executeTakeFirstOrThrow();
      expect(row).to.deep.include({
        request_number: 'C-4HTR7KQ2',
        officer_id: officerId,
        decision: 'approved',
        document_number: 'PB765432',
      });
      const [approved] = await waitForEvent('idp.ra.correction_approved.v1', officerId);
      expect(approved).to.deep.include({
        correlationId: approveCorrection.requestId,
        actor: { kind: 'admin', id: officerId },
        aggregate: { type: 'correction_request', id: approveCorrection.requestId },
      });
      expect(approved!.data).to.deep.equal({
        officerId,
        requestId: approveCorrection.requestId,
        accountId,
        documentType: 'passport',
        documentExpiresOn: '2032-01-31',
      });
      const events = JSON.stringify(await ra.events());
      for (const clear of ['PB765432', 'Kovač', 'Prešernova']) expect(events).not.to.contain(clear);
      const after = await c.get('/requests/C-4HTR7KQ2?done=approved');
      expect(textOf(after.html, 'notice')).to.contain('The correction is confirmed');
      expect(after.html).to.not.contain('/requests/C-4HTR7KQ2/approve');
    });

    it('rejects with a reason, and refuses a correction that is not waiting for an officer', async () => {
      const page = await c.get('/requests/C-4HTR7KQ3');
      const r = await c.post('/requests/C-4HTR7KQ3/reject', {
        csrf: hidden(page.html, 'csrf'),
        reason: 'The passport shows another given name.',
      });
      expect(r.location).to.equal('/requests/C-4HTR7KQ3?done=rejected');
      const [rejected] = await waitForEvent('idp.ra.correction_rejected.v1', officerId);
      expect(rejected!.data).to.deep.equal({
        officerId,
        requestId: rejectCorrection.requestId,
        accountId,
        reason: 'The passport shows another given name.',
      });

      ra.world.corrections.push(correction('C-4HTR7KQ4', { path: 'certificate' }));
      ra.world.corrections.push(correction('C-4HTR7KQ5', { state: 'cancelled', proposed: undefined }));
      for (const n of ['C-4HTR7KQ4', 'C-4HTR7KQ5']) {
        const shown = await c.get(`/requests/${n}`);
        expect(shown.html, n).not.to.contain(`/requests/${n}/approve`);
        const refused = await c.post(`/requests/${n}/approve`, {
          csrf: hidden(shown.html, 'csrf'),
          documentType: 'passport',
          documentNumber: 'PB765432',
          documentExpiresOn: '2032-01-31',
        });
        expect(refused.status, n).to.equal(409);
      }
      expect(await eventsOf('idp.ra.correction_approved.v1')).to.have.length(1);
    });

    it('suspends an active smsPASS (found by tax number) with a reason', async () => {
      const page = await c.get('/smspass?taxNumber=50223054');
      expect(page.status).to.equal(200);
      expect(hidden(page.html, 'action')).to.equal('suspend');
      const noReason = await c.post('/smspass', {
        csrf: hidden(page.html, 'csrf'),
        accountId,
        action: 'suspend',
        reason: '',
      });
      expect(noReason.status).to.equal(400);
      const r = await c.post('/smspass', {
        csrf: hidden(page.html, 'csrf'),
        accountId,
        action: 'suspend',
        reason: 'Reported stolen phone',
      });
      expect(r.location).to.equal(`/smspass?account=${accountId}&done=suspended`);
      const [suspended] = await waitForEvent('idp.ra.smspass_suspended.v1', officerId);
      expect(suspended!.data).to.deep.equal({ officerId, accountId, reason: 'Reported stolen phone' });
      expect(suspended!.actor).to.deep.equal({ kind: 'admin', id: officerId });
      // Reinstating what accounts still reports active is refused.
      const reinstate = await c.post('/smspass', {
        csrf: hidden(page.html, 'csrf'),
        accountId,
        action: 'reinstate',
        reason: 'Phone found again',
      });
      expect(reinstate.status).to.equal(409);
    });

    it('lists the letter queue, filtered by state, linked from the home page', async () => {
      const letter = (n: string, state: 'queued' | 'printed' | 'posted') => ({
        letterId: randomUUID(),
        requestNumber: n,
        state,
        createdAt: '2026-03-01T08:00:00.000Z',
        ...(state !== 'queued' ? { printedAt: '2026-03-01T10:00:00.000Z' } : {}),
        pdfPath: `var/letters/${n}.pdf`,
      });
      ra.world.letters.push(letter('A-7K3M9Q2S', 'queued'), letter('A-7K3M9Q2T', 'printed'));
      expect((await c.get('/')).html).to.contain('href="/letters"');
      const all = await c.get('/letters');
      expect(all.status).to.equal(200);
      expect(all.html)
        .to.contain('A-7K3M9Q2S')
        .and.to.contain('A-7K3M9Q2T')
        .and.to.contain('var/letters/A-7K3M9Q2S.pdf');
      const queued = await c.get('/letters?state=queued');
      expect(queued.html).to.contain('A-7K3M9Q2S').and.not.to.contain('A-7K3M9Q2T');
      const sl = await c.get('/letters?state=posted&lang=sl');
      expect(sl.html).to.contain('Pisma z aktivacijsko kodo').and.to.contain('id="no-letters"');
      await c.get('/?lang=en');
    });

    it('marks a letter printed with the officer as `by`, refuses without CSRF token and a second marking', async () => {
      const queued = ra.world.letters.find((l) => l.requestNumber === 'A-7K3M9Q2S')!;
      const page = await c.get('/letters?state=queued');
      const csrf = hidden(page.html, 'csrf');
      const form = { letterId: queued.letterId, state: 'printed', filter: 'queued' };
      const forged = await c.post('/letters/mark', { ...form, csrf: 'forged' });
      expect(forged.status).to.equal(403);
      expect(ra.world.marks).to.have.length(0);

      const ok = await c.post('/letters/mark', { ...form, csrf });
      expect(ok.status).to.equal(303);
      expect(ok.location).to.equal('/letters?state=queued&done=printed');
      expect(ra.world.marks).to.deep.equal([{ letterId: queued.letterId, state: 'printed', by: officerId }]);
      const after = await c.get('/letters?done=printed');
      expect(textOf(after.html, 'notice')).to.equal('The letter is marked printed.');

      const again = await c.post('/letters/mark', { ...form, csrf });
      expect(again.status).to.equal(409);
      expect(textOf(again.html, 'form-error')).to.contain('does not allow this');
      const unknown = await c.post('/letters/mark', { letterId: randomUUID(), state: 'posted', csrf });
      expect(unknown.status).to.equal(404);
      expect(textOf(unknown.html, 'form-error')).to.equal('There is no such letter.');
    });

    it('ends the sessions of a disabled officer at once, and refuses its logins', async () => {
      expect((await c.get('/')).status).to.equal(200);
      await disableOfficer('desk@ra.example.si');
      expect((await c.get('/')).location).to.equal('/login');
      const [disabled] = await waitForEvent('idp.ra.officer_disabled.v1', officerId);
      expect(disabled!.actor).to.deep.equal({ kind: 'admin' });
      const r = await passwordStep(new ConsoleClient(ra.url), 'desk@ra.example.si', PASSWORD);
      expect(r.status).to.equal(403);
    });
  });
});
