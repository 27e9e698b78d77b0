import { expect } from 'chai';
import { accountsOfficerLookupRpc, accountsRpc } from '@idp/events';
import { startAccounts, type AccountsUnderTest } from '../__fixtures__/harness.js';

describe('accounts find_by_tax_number.v1 (real NATS + PostgreSQL)', function () {
  let acc: AccountsUnderTest;
  let accountId: string;
  before(async () => {
    acc = await startAccounts();
    ({ accountId } = await acc.call(accountsRpc.createAccount, {
      email: 'ana@example.si',
      password: 'correct horse battery',
      taxNumber: '50223054',
    }));
  });
  after(async () => {
    await acc.close();
  });

  it('finds the account by its tax number, as an officer may type it', async () => {
    for (const taxNumber of ['50223054', 'SI 5022 3054', 'si50223054'])
      expect(await acc.call(accountsOfficerLookupRpc.findByTaxNumber, { taxNumber })).to.deep.equal({
        accountId,
      });
  });

  it('answers not_found for a valid tax number no account has', async () => {
    expect(await acc.refusal(accountsOfficerLookupRpc.findByTaxNumber, { taxNumber: '10000003' })).to.include(
      {
        kind: 'not_found',
        code: 'accounts.not_found',
      },
    );
  });

  it('refuses a malformed tax number or one failing its checksum', async () => {
    for (const taxNumber of ['1234', '50223055'])
      expect(await acc.refusal(accountsOfficerLookupRpc.findByTaxNumber, { taxNumber })).to.include({
        kind: 'invalid_argument',
        code: 'accounts.invalid_tax_number',
      });
  });
});
