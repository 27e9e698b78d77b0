import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { accountsRpc, accountsSmsPassRpc } from '@idp/events';
import { startAccounts, type AccountsUnderTest } from '../__fixtures__/harness.js';

describe('accounts activate_smspass.v1 (real NATS + PostgreSQL)', function () {
  let acc: AccountsUnderTest;
  let accountId: string;
  const phones = () =>
    acc.database.db.selectFrom('phones').selectAll().where('account_id', '=', accountId).execute();

  beforeEach(async () => {
    acc = await startAccounts();
    ({ accountId } = await acc.call(accountsRpc.createAccount, {
      email: 'ana@example.si',
      password: 'correct horse battery',
      phone: '+386 40 123 456',
    }));
  });
  afterEach(async () => {
    await acc.close();
  });

  it('binds the proven phone as verified and makes smsPASS active', async () => {
    const requestId = randomUUID();
    expect(
      await acc.call(accountsSmsPassRpc.activateSmsPass, { accountId, requestId, phone: '+38651999888' }),
    ).to.deep.equal({ accountId, smsPass: 'active' });
    const rows = await phones();
    expect(rows.map((p) => [p.e164, p.verified_at !== null])).to.have.deep.members([
      ['+38640123456', false],
      ['+38651999888', true],
    ]);
    expect((await acc.call(accountsRpc.getAttributes, { accountId })).smsPass).to.equal('active');
    expect((await acc.call(accountsRpc.getOtpDestination, { accountId })).phone).to.equal('+38651999888');
    // Through the state machine: the request (not yet consumed from activation) and the activation.
    const events = (await acc.outbox()).map((r) => r.subject).filter((s) => s.includes('smspass'));
    expect(events).to.deep.equal(['idp.account.smspass_requested.v1', 'idp.account.smspass_activated.v1']);
    const row = await acc.database.db.selectFrom('accounts').select(['state', 'sms_pass']).executeTakeFirst();
    expect(row).to.deep.equal({ state: 'smspass_active', sms_pass: 'active' });
  });

  it('verifies a phone the account already had unverified, and a retried request changes nothing', async () => {
    const requestId = randomUUID();
    await acc.call(accountsSmsPassRpc.activateSmsPass, { accountId, requestId, phone: '+38640123456' });
    const first = await phones();
    expect(first).to.have.length(1);
    expect(first[0]!.verified_at).to.be.instanceOf(Date);
    acc.clock.advance(60_000);
    await acc.call(accountsSmsPassRpc.activateSmsPass, { accountId, requestId, phone: '+38640123456' });
    expect(await phones()).to.deep.equal(first);
    const recorded = await acc.database.db.selectFrom('smspass_activations').selectAll().execute();
    expect(recorded).to.have.length(1);
    expect(recorded[0]).to.include({ request_id: requestId, account_id: accountId, phone_id: first[0]!.id });
  });

  it('refuses an unknown or suspended account', async () => {
    expect(
      await acc.refusal(accountsSmsPassRpc.activateSmsPass, {
        accountId: randomUUID(),
        requestId: randomUUID(),
        phone: '+38640123456',
      }),
    ).to.include({ kind: 'not_found', code: 'accounts.not_found' });
    await acc.database.db
      .updateTable('accounts')
      .set({
        state: 'suspended',
        suspended_from: 'email_confirmed',
        sms_pass: 'suspended',
        suspended_at: new Date(),
      })
      .execute();
    expect(
      await acc.refusal(accountsSmsPassRpc.activateSmsPass, {
        accountId,
        requestId: randomUUID(),
        phone: '+38640123456',
      }),
    ).to.include({ kind: 'permission_denied', code: 'accounts.suspended' });
    expect((await acc.call(accountsRpc.getAttributes, { accountId })).smsPass).to.equal('suspended');
  });
});
