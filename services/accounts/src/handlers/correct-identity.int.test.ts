import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import {
  AccountPersonalDataChangedV1,
  EncryptedField,
  accountsCorrectionRpc,
  accountsRpc,
  decryptField,
} from '@idp/events';
import {
  TEST_PERSONAL_DATA_MASTER_KEY,
  TEST_TERMS_VERSION,
  startAccounts,
  type AccountsUnderTest,
} from '../__fixtures__/harness.js';
import { createPersonKeyWrapper } from '../domain/person-key.js';

const PASSWORD = 'correct horse battery';
const NEW_ADDRESS = { street: 'Prešernova ulica 2', postalCode: '2000', city: 'Maribor', country: 'si' };

describe('accounts correct_identity.v1 (real NATS + PostgreSQL)', function () {
  this.timeout(60_000);
  let acc: AccountsUnderTest;
  beforeEach(async () => {
    acc = await startAccounts();
  });
  afterEach(async () => {
    await acc.close();
  });

  const ana = async () =>
    (
      await acc.call(accountsRpc.createAccount, {
        email: 'ana@example.si',
        password: PASSWORD,
        givenName: 'Ana',
        familyName: 'Novak',
        taxNumber: '50223054',
        birthDate: '1990-05-17',
      })
    ).accountId;

  /** The values of a personal_data_changed event, opened with the person's key as accounts holds it. */
  async function opened(accountId: string, data: unknown): Promise<Record<string, string>> {
    const row = await acc.store.findPersonKey(accountId);
    const key = createPersonKeyWrapper(TEST_PERSONAL_DATA_MASTER_KEY).unwrap(
      row!.wrappedKey!,
      accountId,
      row!.keyId,
    );
    const { changes } = data as { changes: { field: string; value: unknown }[] };
    return Object.fromEntries(
      changes.map((c) => [
        c.field,
        decryptField(key, EncryptedField.parse(c.value), {
          subject: AccountPersonalDataChangedV1.subject,
          field: c.field,
          accountId,
        }),
      ]),
    );
  }

  it('writes the corrected names and address, records them encrypted and tells the account address', async () => {
    const accountId = await ana();
    const requestId = randomUUID();
    const answer = await acc.call(accountsCorrectionRpc.correctIdentity, {
      accountId,
      requestId,
      familyName: 'Kovač',
      address: NEW_ADDRESS,
    });
    expect(answer).to.deep.equal({ accountId, changed: ['family_name', 'address'] });
    const data = await acc.call(accountsRpc.getPersonalData, { accountId });
    expect(data).to.include({ givenName: 'Ana', familyName: 'Kovač' });
    expect(data.address).to.deep.equal({ ...NEW_ADDRESS, country: 'SI' });

    const events = (await acc.outbox()).filter((r) => !r.subject.startsWith('idp.work.'));
    const changed = events.filter((r) => r.subject === AccountPersonalDataChangedV1.subject).at(-1)!;
    expect(changed.envelope.actor).to.deep.equal({ kind: 'service', id: 'activation' });
    expect(await opened(accountId, changed.envelope.data)).to.deep.equal({
      family_name: 'Kovač',
      address: JSON.stringify({ ...NEW_ADDRESS, country: 'SI' }),
    });
    // Encrypted: no name or address in clear in any event.
    for (const clear of ['Kovač', 'Prešernova', 'Maribor'])
      expect(JSON.stringify(events)).not.to.include(clear);

    expect((await acc.mails()).at(-1)).to.deep.equal({
      template: 'identity_corrected',
      language: 'sl',
      to: 'ana@example.si',
      params: { fields: 'family_name,address' },
    });
    const row = await acc.database.db
      .selectFrom('identity_corrections')
      .selectAll()
      .where('request_id', '=', requestId)
      .executeTakeFirstOrThrow();
    expect(row).to.include({ account_id: accountId });
    expect(row.fields).to.deep.equal(['family_name', 'address']);
  });

  it('is idempotent by request id: a retry changes and mails nothing twice; another account is refused', async () => {
    const accountId = await ana();
    const requestId = randomUUID();
    const correction = { accountId, requestId, givenName: 'Anja' };
    await acc.call(accountsCorrectionRpc.correctIdentity, correction);
    const before = (await acc.outbox()).length;
    expect(await acc.call(accountsCorrectionRpc.correctIdentity, correction)).to.deep.equal({
      accountId,
      changed: ['given_name'],
    });
    expect((await acc.outbox()).length).to.equal(before);
    const other = (await acc.call(accountsRpc.createAccount, { email: 'bor@example.si', password: PASSWORD }))
      .accountId;
    expect(
      await acc.refusal(accountsCorrectionRpc.correctIdentity, { ...correction, accountId: other }),
    ).to.include({ kind: 'invalid_argument', code: 'rpc.invalid_request' });
  });

  it('refuses an account the state machine does not allow it for, an unknown account and an empty correction', async () => {
    await acc.call(accountsRpc.register, {
      email: 'cene@example.si',
      password: 'a long enough passphrase',
      givenName: 'Cene',
      familyName: 'Kranjc',
      taxNumber: '10000003',
      birthDate: '1980-01-01',
      address: { street: 'Ulica 1', postalCode: '1000', city: 'Ljubljana', country: 'SI' },
      termsVersion: TEST_TERMS_VERSION,
    });
    const registered = (
      await acc.database.db
        .selectFrom('accounts')
        .select('id')
        .where('email', '=', 'cene@example.si')
        .executeTakeFirstOrThrow()
    ).id;
    expect(
      await acc.refusal(accountsCorrectionRpc.correctIdentity, {
        accountId: registered,
        requestId: randomUUID(),
        familyName: 'Novak',
      }),
    ).to.include({ kind: 'precondition', code: 'accounts.transition_not_allowed' });
    expect(
      await acc.refusal(accountsCorrectionRpc.correctIdentity, {
        accountId: randomUUID(),
        requestId: randomUUID(),
        familyName: 'Novak',
      }),
    ).to.include({ kind: 'not_found', code: 'accounts.not_found' });
    expect(
      await acc.refusal(accountsCorrectionRpc.correctIdentity, {
        accountId: await ana(),
        requestId: randomUUID(),
      }),
    ).to.include({ kind: 'invalid_argument' });
    expect(await acc.database.db.selectFrom('identity_corrections').selectAll().execute()).to.deep.equal([]);
  });
});
