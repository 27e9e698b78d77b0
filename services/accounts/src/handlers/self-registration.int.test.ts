import { expect } from 'chai';
import { createHash } from 'node:crypto';
import { accountsRpc, type RpcRequest } from '@idp/events';
import { TEST_TERMS_VERSION, startAccounts, type AccountsUnderTest } from '../__fixtures__/harness.js';

type Registration = RpcRequest<typeof accountsRpc.register>;
const PASSWORD = 'vse lepo in prav';
const ANA: Registration = {
  email: 'Ana.Novak@Example.si',
  password: PASSWORD,
  givenName: 'Ana',
  familyName: 'Novak',
  taxNumber: 'SI 502 230 54',
  emso: '1508985505001',
  birthDate: '1985-08-15',
  address: { street: 'Slovenska cesta 1', postalCode: '1000', city: 'Ljubljana', country: 'si' },
  phone: '+386 40 123 456',
  termsVersion: TEST_TERMS_VERSION,
  language: 'en',
};
const ADDRESS = '203.0.113.7';
const HOUR = 3_600_000;

describe('accounts self-registration, e-mail confirmation and passwords (real NATS + PostgreSQL)', function () {
  let acc: AccountsUnderTest;
  beforeEach(async () => {
    acc = await startAccounts({ start: new Date('2026-03-01T10:00:00Z') });
  });
  afterEach(async () => {
    await acc.close();
  });

  const register = (r: Partial<Registration> = {}) => acc.call(accountsRpc.register, { ...ANA, ...r });
  const login = (email: string, password: string) =>
    acc.refusal(accountsRpc.verifyPassword, { email, password, clientAddress: ADDRESS });
  const loginOk = (email: string, password: string) =>
    acc.call(accountsRpc.verifyPassword, { email, password, clientAddress: ADDRESS });
  const lastMail = async () => (await acc.mails()).at(-1)!;
  const events = async () => (await acc.outbox()).filter((e) => !e.subject.startsWith('idp.work.'));
  const accountRow = () => acc.database.db.selectFrom('accounts').selectAll().executeTakeFirstOrThrow();

  /** Registers Ana and confirms her address; returns her account id. */
  async function confirmedAna(): Promise<string> {
    await register();
    const { accountId } = await acc.call(accountsRpc.confirmEmail, {
      token: (await lastMail()).params.token!,
    });
    return accountId;
  }

  /** No personal data, password or link token in any event (mail jobs are sealed and checked apart). */
  async function expectNoSecretsInEvents() {
    const tokens = (await acc.mails()).map((m) => m.params.token).filter((t): t is string => Boolean(t));
    const text = JSON.stringify(await acc.outbox());
    for (const secret of [
      'ana.novak',
      'example.si',
      'Novak',
      '50223054',
      '1508985505001',
      '40123456',
      'Slovenska',
      PASSWORD,
      ...tokens,
    ])
      expect(text, `the outbox mentions ${secret}`).not.to.include(secret);
  }

  it('registers an account in state registered, with its data, terms and an unverified phone, and mails a link', async () => {
    expect(await register()).to.deep.equal({ next: 'confirm_email' });
    const row = await accountRow();
    expect(row).to.include({
      email: 'ana.novak@example.si',
      tax_number: '50223054',
      emso: '1508985505001',
      state: 'registered',
      sms_pass: 'none',
      terms_version: TEST_TERMS_VERSION,
      language: 'en',
      email_confirmed_at: null,
    });
    expect(row.terms_accepted_at).to.deep.equal(new Date('2026-03-01T10:00:00Z'));
    const phone = await acc.database.db.selectFrom('phones').selectAll().executeTakeFirstOrThrow();
    expect(phone).to.include({ e164: '+38640123456', verified_at: null });
    const address = await acc.database.db
      .selectFrom('permanent_addresses')
      .selectAll()
      .executeTakeFirstOrThrow();
    expect(address).to.include({ city: 'Ljubljana', country: 'SI' });

    const mail = await lastMail();
    expect(mail).to.include({ template: 'email_confirmation', language: 'en', to: 'ana.novak@example.si' });
    expect(mail.params.token).to.match(/^[A-Za-z0-9_-]{43}$/);
    // Only the token's SHA-256 is stored, with a 24-hour expiry.
    const token = await acc.database.db.selectFrom('account_tokens').selectAll().executeTakeFirstOrThrow();
    expect(token.token_hash.equals(createHash('sha256').update(mail.params.token!).digest())).to.equal(true);
    expect(token).to.include({ purpose: 'email_confirmation', used_at: null });
    expect(token.expires_at).to.deep.equal(new Date('2026-03-02T10:00:00Z'));
    expect((await events()).map((e) => e.subject)).to.deep.equal([
      'idp.account.registered.v1',
      'idp.account.personal_data_changed.v1',
    ]);
    await expectNoSecretsInEvents();
  });

  it('refuses a login before the address is confirmed, and allows it after; the link works once', async () => {
    await register();
    expect(await login('ana.novak@example.si', PASSWORD)).to.include({
      kind: 'permission_denied',
      code: 'accounts.email_not_confirmed',
    });
    const token = (await lastMail()).params.token!;
    const { accountId } = await acc.call(accountsRpc.confirmEmail, { token });
    expect((await accountRow()).state).to.equal('email_confirmed');
    expect((await loginOk('ana.novak@example.si', PASSWORD)).accountId).to.equal(accountId);
    expect(await acc.refusal(accountsRpc.confirmEmail, { token })).to.include({
      kind: 'invalid_argument',
      code: 'accounts.invalid_token',
    });
    const subjects = (await events()).map((e) => [e.subject, e.envelope.data]);
    expect(subjects).to.deep.include(['idp.account.email_confirmed.v1', { accountId, from: 'registered' }]);
    expect(subjects).to.deep.include([
      'idp.account.token_rejected.v1',
      { accountId, purpose: 'email_confirmation', reason: 'used' },
    ]);
    expect(subjects).to.deep.include([
      'idp.account.password_verification_failed.v1',
      { accountId, reason: 'email_not_confirmed' },
    ]);
    await expectNoSecretsInEvents();
  });

  it('refuses an expired or unknown confirmation link', async () => {
    await register();
    const token = (await lastMail()).params.token!;
    acc.clock.advance(24 * HOUR);
    expect(await acc.refusal(accountsRpc.confirmEmail, { token })).to.include({
      code: 'accounts.invalid_token',
    });
    expect(await acc.refusal(accountsRpc.confirmEmail, { token: 'A'.repeat(43) })).to.include({
      code: 'accounts.invalid_token',
    });
    expect((await events()).slice(2).map((e) => e.envelope.data)).to.deep.equal([
      { accountId: (await accountRow()).id, purpose: 'email_confirmation', reason: 'expired' },
      { purpose: 'email_confirmation', reason: 'unknown' },
    ]);
  });

  it('answers a registration for a taken address exactly as a new one, and mails the owner instead', async () => {
    const accountId = await confirmedAna();
    const again = await register({
      taxNumber: '98511734',
      emso: undefined,
      password: 'drugo geslo za poskus',
    });
    expect(again).to.deep.equal({ next: 'confirm_email' });
    expect(await acc.database.db.selectFrom('accounts').select('id').execute()).to.have.length(1);
    const mail = await lastMail();
    expect(mail).to.deep.equal({
      template: 'duplicate_registration',
      language: 'en',
      to: 'ana.novak@example.si',
      params: {},
    });
    expect((await events()).at(-1)).to.deep.include({
      subject: 'idp.account.duplicate_registration_attempted.v1',
    });
    expect((await events()).at(-1)!.envelope.data).to.deep.equal({ accountId });
    // The first password still logs in: nothing about the account changed.
    expect((await loginOk('ana.novak@example.si', PASSWORD)).accountId).to.equal(accountId);
  });

  it('lets a new registration replace one that was never confirmed in time', async () => {
    await register();
    const first = (await accountRow()).id;
    acc.clock.advance(24 * HOUR);
    await register({ password: 'novo geslo po enem dnevu' });
    const rows = await acc.database.db.selectFrom('accounts').select(['id', 'state']).execute();
    expect(rows).to.have.length(1);
    expect(rows[0]!.id).not.to.equal(first);
    expect((await lastMail()).template).to.equal('email_confirmation');
  });

  it('tells the current terms version, and refuses a registration that accepted another', async () => {
    expect(await acc.call(accountsRpc.getTerms, {})).to.deep.equal({ version: TEST_TERMS_VERSION });
    // The version shown on a page opened before TERMS_VERSION changed: said at once, nothing written.
    expect(await acc.refusal(accountsRpc.register, { ...ANA, termsVersion: '2025-07' })).to.deep.include({
      kind: 'precondition',
      code: 'accounts.terms_outdated',
    });
    expect(await acc.database.db.selectFrom('accounts').select('id').execute()).to.have.length(0);
    expect(await acc.mails()).to.have.length(0);
    await register({ termsVersion: (await acc.call(accountsRpc.getTerms, {})).version });
    expect((await accountRow()).terms_version).to.equal(TEST_TERMS_VERSION);
  });

  it('refuses invalid registrations with typed errors and writes nothing', async () => {
    const cases: [Partial<Registration>, string, string][] = [
      [{ termsVersion: '2020-01' }, 'precondition', 'accounts.terms_outdated'],
      [{ email: 'ana@' }, 'invalid_argument', 'accounts.invalid_email'],
      [{ password: 'qwertyuiop123' }, 'invalid_argument', 'accounts.common_password'],
      [{ taxNumber: '50223055' }, 'invalid_argument', 'accounts.invalid_tax_number'],
      [{ emso: '1508985505002' }, 'invalid_argument', 'accounts.invalid_emso'],
      [{ birthDate: '1985-08-16' }, 'invalid_argument', 'accounts.emso_birth_date_mismatch'],
      [{ birthDate: '2011-03-02', emso: undefined }, 'invalid_argument', 'accounts.too_young'],
      [{ phone: '+386 1 123 45 67' }, 'invalid_argument', 'accounts.invalid_phone'],
    ];
    for (const [req, kind, code] of cases)
      expect(await acc.refusal(accountsRpc.register, { ...ANA, ...req }), code).to.deep.include({
        kind,
        code,
      });
    expect(await acc.database.db.selectFrom('accounts').select('id').execute()).to.have.length(0);
    expect(await acc.outbox()).to.have.length(0);
    // A tax number already registered is refused (the only thing the caller learns).
    await confirmedAna();
    expect(
      await acc.refusal(accountsRpc.register, { ...ANA, email: 'other@example.si', emso: undefined }),
    ).to.include({ kind: 'already_exists', code: 'accounts.tax_number_taken' });
    expect(
      await acc.refusal(accountsRpc.register, { ...ANA, email: 'other@example.si', taxNumber: '98511734' }),
    ).to.include({ kind: 'already_exists', code: 'accounts.emso_taken' });
  });

  it('answers a reset request the same for every address and mails only an existing, confirmed account', async () => {
    const accountId = await confirmedAna();
    const before = (await acc.outbox()).length;
    const answers = [
      await acc.call(accountsRpc.requestPasswordReset, { email: 'nobody@example.si' }),
      await acc.call(accountsRpc.requestPasswordReset, { email: 'not an address' }),
    ];
    expect((await acc.outbox()).length).to.equal(before);
    answers.push(await acc.call(accountsRpc.requestPasswordReset, { email: 'ANA.NOVAK@example.si' }));
    expect(answers).to.deep.equal(Array(3).fill({ next: 'check_email' }));
    const mail = await lastMail();
    expect(mail).to.include({ template: 'password_reset', to: 'ana.novak@example.si', language: 'en' });
    const token = await acc.database.db
      .selectFrom('account_tokens')
      .selectAll()
      .where('purpose', '=', 'password_reset')
      .executeTakeFirstOrThrow();
    expect(token.expires_at).to.deep.equal(new Date('2026-03-01T11:00:00Z'));
    expect((await events()).at(-1)!.envelope.data).to.deep.equal({ accountId });
  });

  it('resets the password with a link once; the newest link spends older ones; an expired one is refused', async () => {
    const accountId = await confirmedAna();
    await acc.call(accountsRpc.requestPasswordReset, { email: 'ana.novak@example.si' });
    const older = (await lastMail()).params.token!;
    await acc.call(accountsRpc.requestPasswordReset, { email: 'ana.novak@example.si' });
    const newer = (await lastMail()).params.token!;
    expect(
      await acc.refusal(accountsRpc.resetPassword, { token: older, newPassword: 'novo geslo za ano' }),
    ).to.include({ code: 'accounts.invalid_token' });
    // A weak new password is refused without spending the link.
    expect(
      await acc.refusal(accountsRpc.resetPassword, { token: newer, newPassword: 'password1234' }),
    ).to.include({
      code: 'accounts.common_password',
    });
    expect(
      await acc.call(accountsRpc.resetPassword, { token: newer, newPassword: 'novo geslo za ano' }),
    ).to.deep.equal({ accountId });
    expect((await loginOk('ana.novak@example.si', 'novo geslo za ano')).accountId).to.equal(accountId);
    expect(await login('ana.novak@example.si', PASSWORD)).to.include({
      code: 'accounts.invalid_credentials',
    });
    expect(
      await acc.refusal(accountsRpc.resetPassword, { token: newer, newPassword: 'še eno novo geslo' }),
    ).to.include({
      code: 'accounts.invalid_token',
    });
    expect((await lastMail()).template).to.equal('password_changed');
    expect((await events()).map((e) => e.envelope.data)).to.deep.include({ accountId, via: 'reset' });

    await acc.call(accountsRpc.requestPasswordReset, { email: 'ana.novak@example.si' });
    const late = (await lastMail()).params.token!;
    acc.clock.advance(HOUR);
    expect(
      await acc.refusal(accountsRpc.resetPassword, { token: late, newPassword: 'prepozno geslo ane' }),
    ).to.include({
      code: 'accounts.invalid_token',
    });
    await expectNoSecretsInEvents();
  });

  it('does not mail a reset link to an unconfirmed or suspended account', async () => {
    await register();
    const before = (await acc.mails()).length;
    await acc.call(accountsRpc.requestPasswordReset, { email: 'ana.novak@example.si' });
    expect((await acc.mails()).length).to.equal(before);
    await acc.call(accountsRpc.confirmEmail, { token: (await lastMail()).params.token! });
    await acc.database.db
      .updateTable('accounts')
      .set({ state: 'suspended', suspended_from: 'email_confirmed', sms_pass: 'suspended' })
      .execute();
    expect(await acc.call(accountsRpc.requestPasswordReset, { email: 'ana.novak@example.si' })).to.deep.equal(
      {
        next: 'check_email',
      },
    );
    expect((await acc.mails()).length).to.equal(before);
  });

  it('changes the password only with the right current one, and tells the owner', async () => {
    const accountId = await confirmedAna();
    expect(
      await acc.refusal(accountsRpc.changePassword, {
        accountId,
        currentPassword: 'not the password',
        newPassword: 'popolnoma novo geslo',
      }),
    ).to.include({ kind: 'unauthenticated', code: 'accounts.invalid_credentials' });
    expect(
      await acc.refusal(accountsRpc.changePassword, {
        accountId,
        currentPassword: PASSWORD,
        newPassword: 'kratko',
      }),
    ).to.include({ code: 'accounts.weak_password' });
    await acc.call(accountsRpc.changePassword, {
      accountId,
      currentPassword: PASSWORD,
      newPassword: 'popolnoma novo geslo',
    });
    expect((await loginOk('ana.novak@example.si', 'popolnoma novo geslo')).accountId).to.equal(accountId);
    expect(await lastMail()).to.include({ template: 'password_changed', to: 'ana.novak@example.si' });
    expect((await events()).map((e) => [e.subject, e.envelope.data])).to.deep.include([
      'idp.account.password_changed.v1',
      { accountId, via: 'change' },
    ]);
  });

  it('shows the citizen their data and updates contact data, binding no phone without proof', async () => {
    const accountId = await confirmedAna();
    await acc.call(accountsRpc.updateContactData, {
      accountId,
      addEmails: ['Ana@Work.example'],
      addPhones: ['+386 41 987 654'],
      language: 'sl',
    });
    const data = await acc.call(accountsRpc.getPersonalData, { accountId });
    expect(data).to.deep.equal({
      accountId,
      state: 'email_confirmed',
      email: 'ana.novak@example.si',
      givenName: 'Ana',
      familyName: 'Novak',
      taxNumber: '50223054',
      emso: '1508985505001',
      birthDate: '1985-08-15',
      // The permanent address is identity data: it changes only by an identity correction.
      address: { street: 'Slovenska cesta 1', postalCode: '1000', city: 'Ljubljana', country: 'SI' },
      contactEmails: [{ email: 'ana@work.example', verified: false }],
      phones: [
        { phone: '+38640123456', verified: false },
        { phone: '+38641987654', verified: false },
      ],
      language: 'sl',
      terms: { version: TEST_TERMS_VERSION, acceptedAt: '2026-03-01T10:00:00.000Z' },
    });
    expect((await events()).at(-1)!.envelope.data).to.deep.equal({
      accountId,
      changed: ['emails', 'language', 'phones'],
    });
    expect(
      await acc.refusal(accountsRpc.updateContactData, { accountId, addPhones: ['+386 1 123 45 67'] }),
    ).to.include({ code: 'accounts.invalid_phone' });
  });
});
