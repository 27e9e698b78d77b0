import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { accountsCorrectionRpc, accountsRpc } from '@idp/events';
import { startAccounts, type AccountsUnderTest } from '../__fixtures__/harness.js';

describe('accounts get_attributes.v1 and get_otp_destination.v1 (real NATS + PostgreSQL)', function () {
  let acc: AccountsUnderTest;
  before(async () => {
    acc = await startAccounts();
  });
  after(async () => {
    await acc.close();
  });

  const create = (email: string, o: { phone?: string; smsPass?: 'none' | 'active' } = {}) =>
    acc.call(accountsRpc.createAccount, { email, password: 'correct horse battery', ...o });

  it('returns the attributes on record, leaving out the ones that are not', async () => {
    const { accountId } = await acc.call(accountsRpc.createAccount, {
      email: 'ana@example.si',
      password: 'correct horse battery',
      givenName: 'Ana',
      familyName: 'Novak',
      taxNumber: '50223054',
      birthDate: '1990-05-17',
    });
    expect(await acc.call(accountsRpc.getAttributes, { accountId })).to.deep.equal({
      accountId,
      smsPass: 'none',
      attributes: {
        givenName: 'Ana',
        familyName: 'Novak',
        taxNumber: '50223054',
        birthDate: '1990-05-17',
        email: 'ana@example.si',
      },
    });
  });

  it('gives the permanent address as one line the letters can split, the country only outside Slovenia', async () => {
    const { accountId } = await create('cene@example.si');
    await acc.call(accountsCorrectionRpc.correctIdentity, {
      accountId,
      requestId: randomUUID(),
      address: { street: 'Trubarjeva cesta 1', postalCode: '1000', city: 'Ljubljana', country: 'si' },
    });
    expect((await acc.call(accountsRpc.getAttributes, { accountId })).attributes.address).to.equal(
      'Trubarjeva cesta 1, 1000 Ljubljana',
    );
    await acc.call(accountsCorrectionRpc.correctIdentity, {
      accountId,
      requestId: randomUUID(),
      address: { street: 'Via Roma 3', postalCode: '34100', city: 'Trieste', country: 'IT' },
    });
    expect((await acc.call(accountsRpc.getAttributes, { accountId })).attributes.address).to.equal(
      'Via Roma 3, 34100 Trieste, IT',
    );
  });

  it('answers not_found for an unknown account id', async () => {
    for (const contract of [accountsRpc.getAttributes, accountsRpc.getOtpDestination])
      expect(await acc.refusal(contract, { accountId: randomUUID() })).to.include({
        kind: 'not_found',
        code: 'accounts.not_found',
      });
  });

  it('gives the verified phone of an smsPASS-active account, with its hint', async () => {
    const { accountId } = await create('sms@example.si', { phone: '+386 41 987 654', smsPass: 'active' });
    expect(await acc.call(accountsRpc.getOtpDestination, { accountId })).to.deep.equal({
      phone: '+38641987654',
      phoneHint: '+386 •• ••• •54',
    });
  });

  it('refuses when smsPASS is not active, even with a phone on record', async () => {
    const { accountId } = await create('nosms@example.si', { phone: '+386 41 987 654' });
    expect(await acc.refusal(accountsRpc.getOtpDestination, { accountId })).to.include({
      kind: 'precondition',
      code: 'accounts.smspass_not_active',
    });
  });

  it('refuses when smsPASS is active but no phone is verified', async () => {
    const { accountId } = await create('broken@example.si', { phone: '+386 41 987 654', smsPass: 'active' });
    await acc.database.db
      .updateTable('phones')
      .set({ verified_at: null })
      .where('account_id', '=', accountId)
      .execute();
    expect(await acc.refusal(accountsRpc.getOtpDestination, { accountId })).to.include({
      kind: 'precondition',
      code: 'accounts.no_verified_phone',
    });
  });
});
