import { expect } from 'chai';
import { accountsRpc, type RpcRequest } from '@idp/events';
import { startAccounts, type AccountsUnderTest } from '../__fixtures__/harness.js';

type CreateRequest = RpcRequest<typeof accountsRpc.createAccount>;

const ANA: CreateRequest = {
  email: 'Ana.Novak@Example.si',
  password: 'correct horse battery',
  givenName: 'Ana',
  familyName: 'Novak',
  taxNumber: 'SI 502 230 54',
  birthDate: '1990-05-17',
  phone: '+386 40 123 456',
  smsPass: 'active',
};

describe('accounts create_account.v1 (real NATS + PostgreSQL)', function () {
  let acc: AccountsUnderTest;
  const create = (req: Partial<CreateRequest>) => acc.call(accountsRpc.createAccount, { ...ANA, ...req });
  const refusal = (req: Partial<CreateRequest>) => acc.refusal(accountsRpc.createAccount, { ...ANA, ...req });
  const countRows = async () => ({
    accounts: (await acc.database.db.selectFrom('accounts').select('id').execute()).length,
    phones: (await acc.database.db.selectFrom('phones').select('id').execute()).length,
    outbox: (await acc.outbox()).length,
  });

  beforeEach(async () => {
    // 1 March 2026: someone born on 2 March 2011 is still 14.
    acc = await startAccounts({ start: new Date('2026-03-01T10:00:00Z') });
  });
  afterEach(async () => {
    await acc.close();
  });

  it('stores the account in canonical form with a verified phone, and emits account.created', async () => {
    const { accountId } = await create({});
    const row = await acc.database.db
      .selectFrom('accounts')
      .selectAll()
      .where('id', '=', accountId)
      .executeTakeFirstOrThrow();
    expect(row).to.include({ email: 'ana.novak@example.si', tax_number: '50223054', sms_pass: 'active' });
    const phone = await acc.database.db.selectFrom('phones').selectAll().executeTakeFirstOrThrow();
    expect(phone).to.include({ account_id: accountId, e164: '+38640123456' });
    expect(phone.verified_at).to.deep.equal(new Date('2026-03-01T10:00:00Z'));

    const events = await acc.outbox();
    expect(events.map((e) => e.subject)).to.deep.equal([
      'idp.account.created.v1',
      'idp.account.personal_data_changed.v1',
    ]);
    expect(events[0]!.envelope).to.deep.include({
      aggregate: { type: 'account', id: accountId },
      actor: { kind: 'admin' },
      data: { accountId, smsPass: 'active', by: 'operator' },
    });
    const text = JSON.stringify(events);
    for (const personal of ['novak', 'Novak', 'Ana', '50223054', '40123456', 'correct horse', 'example.si'])
      expect(text, personal).not.to.include(personal);
  });

  it('stores a phone given without smsPASS as unverified', async () => {
    const { accountId } = await create({ smsPass: 'none' });
    const phone = await acc.database.db.selectFrom('phones').selectAll().executeTakeFirstOrThrow();
    expect(phone).to.include({ account_id: accountId, verified_at: null });
  });

  it('creates an account from an e-mail and a password alone', async () => {
    const { accountId } = await acc.call(accountsRpc.createAccount, {
      email: 'min@example.si',
      password: 'twelve chars',
    });
    const reply = await acc.call(accountsRpc.getAttributes, { accountId });
    expect(reply).to.deep.equal({ accountId, smsPass: 'none', attributes: { email: 'min@example.si' } });
  });

  it('refuses invalid data with typed errors and writes nothing', async () => {
    const cases: [Partial<CreateRequest>, string][] = [
      [{ password: 'too short' }, 'accounts.weak_password'],
      [{ taxNumber: '50223055' }, 'accounts.invalid_tax_number'],
      [{ taxNumber: '10000070' }, 'accounts.invalid_tax_number'],
      [{ phone: '+386 1 123 45 67' }, 'accounts.invalid_phone'],
      [{ phone: '040 123 456' }, 'accounts.invalid_phone'],
      [{ phone: undefined }, 'accounts.phone_required'],
      [{ birthDate: '2011-03-02' }, 'accounts.too_young'],
      [{ birthDate: '2011-02-29' }, 'accounts.invalid_birth_date'],
      [{ email: 'not an e-mail' }, 'rpc.invalid_request'],
    ];
    for (const [req, code] of cases) {
      expect(await refusal(req), code).to.deep.include({ kind: 'invalid_argument', code });
    }
    expect((await refusal({ taxNumber: '50223055' })).message).to.equal('fails its checksum');
    expect(await countRows()).to.deep.equal({ accounts: 0, phones: 0, outbox: 0 });
    // Exactly 15 today is old enough.
    await create({ birthDate: '2011-03-01' });
  });

  it('refuses a second account with the same e-mail or tax number', async () => {
    await create({});
    expect(await refusal({ email: 'ANA.NOVAK@example.si', taxNumber: '98511734' })).to.include({
      kind: 'already_exists',
      code: 'accounts.email_taken',
    });
    expect(await refusal({ email: 'other@example.si', taxNumber: '50223054' })).to.include({
      kind: 'already_exists',
      code: 'accounts.tax_number_taken',
    });
    expect(await countRows()).to.deep.equal({ accounts: 1, phones: 1, outbox: 2 });
    // Accounts without a tax number do not collide with each other.
    await create({ email: 'a@example.si', taxNumber: undefined, smsPass: 'none', phone: undefined });
    await create({ email: 'b@example.si', taxNumber: undefined, smsPass: 'none', phone: undefined });
  });
});
