import { expect } from 'chai';
import { hash } from '@node-rs/argon2';
import {
  OTP_DESTINATION_PURPOSE,
  accountsRpc,
  createSealer,
  deriveKey,
  openOtpDestination,
} from '@idp/events';
import { TEST_OTP_DESTINATION_KEY, startAccounts, type AccountsUnderTest } from '../__fixtures__/harness.js';

const PASSWORD = 'correct horse battery';
const ANA = {
  email: 'ana.novak@example.si',
  password: PASSWORD,
  givenName: 'Ana',
  familyName: 'Novak',
  taxNumber: '50223054',
  birthDate: '1990-05-17',
  phone: '+386 40 123 456',
  smsPass: 'active' as const,
};
const ADDRESS = '203.0.113.7';
const INVALID = { kind: 'unauthenticated', code: 'accounts.invalid_credentials' };
const LOCKED = { kind: 'rate_limited', code: 'accounts.temporarily_locked' };
const MINUTE = 60_000;
const ANA_OTHER_ID = '00000000-0000-4000-8000-000000000000';

/** No e-mail, password, name, tax number, phone digits or client address in any stored event. */
function expectNoPersonalData(rows: { envelope: unknown }[]) {
  const text = JSON.stringify(rows);
  for (const secret of [
    'ana.novak',
    'example.si',
    PASSWORD,
    'Novak',
    '50223054',
    '40123456',
    '123 456',
    '203.0.113',
    'mallory',
  ])
    expect(text, `events mention ${secret}`).not.to.include(secret);
}

describe('accounts verify_password.v1 (real NATS + PostgreSQL)', function () {
  let acc: AccountsUnderTest;
  let accountId: string;
  const verify = (email: string, password: string, clientAddress = ADDRESS) =>
    acc.call(accountsRpc.verifyPassword, { email, password, clientAddress });
  const refusal = (email: string, password: string, clientAddress = ADDRESS) =>
    acc.refusal(accountsRpc.verifyPassword, { email, password, clientAddress });

  let createdEvents = 0;
  beforeEach(async () => {
    acc = await startAccounts({
      policy: {
        account: { maxFailures: 3, windowMs: 10 * MINUTE, lockMs: 15 * MINUTE },
        address: { maxFailures: 8, windowMs: 10 * MINUTE, lockMs: 5 * MINUTE },
      },
    });
    ({ accountId } = await acc.call(accountsRpc.createAccount, ANA));
    // What the login tests look at comes after the events of the account's creation.
    createdEvents = (await acc.outbox()).length;
  });
  afterEach(async () => {
    await acc.close();
  });

  it('answers the right password with the account id, smsPASS status and a masked phone', async () => {
    const { otpDestination, ...reply } = await verify('ana.novak@example.si', PASSWORD);
    expect(reply).to.deep.equal({ accountId, smsPass: 'active', phoneHint: '+386 •• ••• •56' });
    // The phone itself only sealed for otp-sender, bound to this account, for the next two minutes.
    const otpSender = createSealer(deriveKey(TEST_OTP_DESTINATION_KEY, OTP_DESTINATION_PURPOSE));
    const now = acc.clock.now();
    expect(openOtpDestination(otpSender, otpDestination!, accountId, now)).to.deep.equal({
      phone: '+38640123456',
      phoneHint: '+386 •• ••• •56',
    });
    expect(otpDestination).not.to.include('40123456');
    expect(openOtpDestination(otpSender, otpDestination!, ANA_OTHER_ID, now)).to.equal(undefined);
    expect(
      openOtpDestination(otpSender, otpDestination!, accountId, new Date(now.getTime() + 2 * MINUTE)),
    ).to.equal(undefined);
    // Account names are case-insensitive.
    expect((await verify('Ana.Novak@Example.SI', PASSWORD)).accountId).to.equal(accountId);

    const events = (await acc.outbox()).slice(createdEvents);
    expect(events.map((e) => e.subject)).to.deep.equal([
      'idp.account.password_verified.v1',
      'idp.account.password_verified.v1',
    ]);
    expect(events[0]!.envelope).to.deep.include({
      aggregate: { type: 'account', id: accountId },
      actor: { kind: 'user', id: accountId },
      data: { accountId },
    });
    expectNoPersonalData(events);
  });

  it('gives a wrong password and an unknown account the same answer, and records each without personal data', async () => {
    const wrong = await refusal('ana.novak@example.si', 'wrong password!');
    const unknown = await refusal('mallory@example.si', PASSWORD);
    expect(wrong).to.include(INVALID);
    expect(unknown).to.deep.equal(wrong);

    const events = (await acc.outbox()).slice(createdEvents);
    expect(events.map((e) => [e.subject, e.envelope.data])).to.deep.equal([
      ['idp.account.password_verification_failed.v1', { accountId, reason: 'wrong_password' }],
      ['idp.account.password_verification_failed.v1', { reason: 'unknown_account' }],
    ]);
    expect(events[1]!.envelope.aggregate.type).to.equal('login');
    expectNoPersonalData(events);
  });

  it('locks the account after N failures, refuses even the right password, and lets it in once the lock expires', async () => {
    expect(await refusal(ANA.email, 'wrong 1')).to.include(INVALID);
    expect(await refusal(ANA.email, 'wrong 2')).to.include(INVALID);
    const third = await refusal(ANA.email, 'wrong 3');
    expect(third).to.include(LOCKED);
    expect(third.message).to.include('retryAfterSeconds=900');

    acc.clock.advance(14 * MINUTE);
    const refused = await refusal(ANA.email, PASSWORD);
    expect(refused).to.include(LOCKED);
    expect(refused.message).to.include('retryAfterSeconds=60');

    acc.clock.advance(MINUTE);
    expect((await verify(ANA.email, PASSWORD)).accountId).to.equal(accountId);

    const events = (await acc.outbox()).slice(createdEvents);
    expect(events.map((e) => e.subject)).to.deep.equal([
      'idp.account.password_verification_failed.v1',
      'idp.account.password_verification_failed.v1',
      'idp.account.password_verification_failed.v1',
      'idp.account.temporarily_locked.v1',
      'idp.account.password_verification_failed.v1',
      'idp.account.password_verified.v1',
    ]);
    expect(events[3]!.envelope.data).to.deep.equal({
      accountId,
      until: new Date(Date.parse('2026-03-01T10:15:00Z')).toISOString(),
    });
    expect(events[4]!.envelope.data).to.deep.equal({ accountId, reason: 'locked' });
    expectNoPersonalData(events);
  });

  it('locks a made-up account name exactly as it locks a real one', async () => {
    const answers = async (email: string) => {
      const seen = [];
      for (let i = 0; i < 4; i++) seen.push(await refusal(email, `wrong ${i}`, `198.51.100.${i % 2}`));
      return seen.map((r) => [r.kind, r.code]);
    };
    expect(await answers('nobody@example.si')).to.deep.equal(await answers(ANA.email));
    const reasons = (await acc.outbox())
      .filter((e) => e.subject === 'idp.account.password_verification_failed.v1')
      .map((e) => e.envelope.data);
    expect(reasons).to.deep.include({ reason: 'locked' });
    expect(reasons).to.deep.include({ accountId, reason: 'locked' });
  });

  it('starts the account count again after a successful login', async () => {
    await refusal(ANA.email, 'wrong 1');
    await refusal(ANA.email, 'wrong 2');
    await verify(ANA.email, PASSWORD);
    expect(await refusal(ANA.email, 'wrong 3')).to.include(INVALID);
    expect(await refusal(ANA.email, 'wrong 4')).to.include(INVALID);
  });

  it('forgets failures older than the window', async () => {
    await refusal(ANA.email, 'wrong 1');
    await refusal(ANA.email, 'wrong 2');
    acc.clock.advance(10 * MINUTE);
    expect(await refusal(ANA.email, 'wrong 3')).to.include(INVALID);
    expect((await verify(ANA.email, PASSWORD)).accountId).to.equal(accountId);
  });

  it('throttles one client address across account names, and only that address', async () => {
    // Eight names, one guess each: no account reaches its own limit, the address does.
    for (let i = 0; i < 7; i++)
      expect(await refusal(`user${i}@example.si`, 'Winter2026!')).to.include(INVALID);
    expect(await refusal('user7@example.si', 'Winter2026!')).to.include(LOCKED);
    expect(await refusal(ANA.email, PASSWORD)).to.include(LOCKED);
    // Another address is not affected, and the address's count is not reset by a success there.
    expect((await verify(ANA.email, PASSWORD, '192.0.2.1')).accountId).to.equal(accountId);
    acc.clock.advance(5 * MINUTE);
    expect((await verify(ANA.email, PASSWORD)).accountId).to.equal(accountId);
  });

  it('counts addresses of one IPv6 /64 together', async () => {
    for (let i = 0; i < 7; i++) await refusal(`user${i}@example.si`, 'guess', `2001:db8:1:2::${i + 1}`);
    expect(await refusal('user7@example.si', 'guess', '2001:db8:1:2:ffff::1')).to.include(LOCKED);
    expect((await verify(ANA.email, PASSWORD, '2001:db8:1:3::1')).accountId).to.equal(accountId);
  });

  it('counts concurrent failures without losing any', async () => {
    const answers = await Promise.all(
      Array.from({ length: 6 }, (_, i) => refusal(ANA.email, `wrong ${i}`, `192.0.2.${i}`)),
    );
    expect(answers.filter((a) => a.code === LOCKED.code).length).to.be.greaterThan(0);
    expect(await refusal(ANA.email, PASSWORD)).to.include(LOCKED);
    const row = await acc.database.db
      .selectFrom('login_throttle')
      .select(['failures'])
      .where('key', '=', `account:${accountId}`)
      .executeTakeFirstOrThrow();
    expect(row.failures).to.equal(3);
  });

  it('refuses a suspended account with the right password, and records it', async () => {
    await acc.database.db
      .updateTable('accounts')
      .set({ state: 'suspended', suspended_from: 'smspass_active', suspended_at: new Date() })
      .execute();
    expect(await refusal(ANA.email, PASSWORD)).to.include({
      kind: 'permission_denied',
      code: 'accounts.suspended',
    });
    // A wrong password still says only "wrong": suspension is shown to the password holder alone.
    expect(await refusal(ANA.email, 'wrong')).to.include(INVALID);
    const events = (await acc.outbox()).slice(createdEvents);
    expect(events[0]!.envelope.data).to.deep.equal({ accountId, reason: 'suspended' });
  });

  it('rehashes a password stored with older argon2 parameters on the next login', async () => {
    const old = await hash(PASSWORD, { memoryCost: 8192, timeCost: 3, parallelism: 1 });
    await acc.database.db.updateTable('accounts').set({ password_hash: old }).execute();
    await verify(ANA.email, PASSWORD);
    const { password_hash } = await acc.database.db
      .selectFrom('accounts')
      .select('password_hash')
      .executeTakeFirstOrThrow();
    expect(password_hash).to.match(/^\$argon2id\$v=19\$m=20480,t=2,p=1\$/);
    expect((await verify(ANA.email, PASSWORD)).accountId).to.equal(accountId);
  });

  it('deletes expired throttle rows only', async () => {
    await refusal(ANA.email, 'wrong 1');
    const count = async () =>
      Number(
        (
          await acc.database.db
            .selectFrom('login_throttle')
            .select((eb) => eb.fn.countAll().as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      );
    expect(await count()).to.equal(2);
    expect(await acc.store.pruneThrottle(acc.clock.now())).to.equal(0);
    acc.clock.advance(10 * MINUTE + 1);
    expect(await acc.store.pruneThrottle(acc.clock.now())).to.equal(2);
    expect(await count()).to.equal(0);
  });

  it('stores the password as an argon2id hash with the OWASP parameters', async () => {
    const { password_hash } = await acc.database.db
      .selectFrom('accounts')
      .select('password_hash')
      .executeTakeFirstOrThrow();
    expect(password_hash).to.match(/^\$argon2id\$v=19\$m=20480,t=2,p=1\$/);
    expect(password_hash).not.to.include(PASSWORD);
  });
});
