import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { DomainError, accountsRpc, accountsSmsPassRpc, otpRpc, rpcHandler } from '@idp/events';
import { startAccounts, type AccountsUnderTest } from '../__fixtures__/harness.js';

const PASSWORD = 'correct horse battery';

describe('accounts user-page RPCs (real NATS + PostgreSQL)', function () {
  this.timeout(60_000);
  let acc: AccountsUnderTest;
  beforeEach(async () => {
    acc = await startAccounts();
  });
  afterEach(async () => {
    await acc.close();
  });

  const activeAccount = async (email = 'ana@example.si') => {
    const { accountId } = await acc.call(accountsRpc.createAccount, {
      email,
      password: PASSWORD,
      givenName: 'Ana',
      familyName: 'Novak',
      taxNumber: '50223054',
      birthDate: '1990-05-17',
    });
    await acc.call(accountsSmsPassRpc.activateSmsPass, {
      accountId,
      requestId: randomUUID(),
      phone: '+38640123456',
    });
    return accountId;
  };
  const login = (email: string) =>
    acc.call(accountsRpc.verifyPassword, { email, password: PASSWORD, clientAddress: '192.0.2.1' });

  it('cancel_smspass: login no longer offers SMS; a second cancel is refused', async () => {
    const accountId = await activeAccount();
    expect((await login('ana@example.si')).smsPass).to.equal('active');
    expect(await acc.call(accountsRpc.cancelSmsPass, { accountId })).to.deep.equal({
      accountId,
      smsPass: 'none',
    });
    const answer = await login('ana@example.si');
    expect(answer.smsPass).to.equal('none');
    expect(answer).not.to.have.property('phoneHint');
    expect(await acc.refusal(accountsRpc.cancelSmsPass, { accountId })).to.include({
      kind: 'precondition',
      code: 'accounts.transition_not_allowed',
    });
    const cancelled = (await acc.outbox()).find((r) => r.subject === 'idp.account.smspass_cancelled.v1')!;
    expect(cancelled.envelope.data).to.deep.equal({ accountId, from: 'smspass_active', by: 'self' });
  });

  it('remove_phone: unverified freely, never the last verified one while smsPASS is active', async () => {
    const accountId = await activeAccount();
    await acc.call(accountsRpc.updateContactData, { accountId, addPhones: ['+38651999888'] });
    await acc.call(accountsRpc.removePhone, { accountId, phone: '+386 51 999 888' });
    expect(await acc.refusal(accountsRpc.removePhone, { accountId, phone: '+38640123456' })).to.include({
      kind: 'precondition',
      code: 'accounts.last_verified_phone',
    });
    expect(await acc.refusal(accountsRpc.removePhone, { accountId, phone: '+38651999888' })).to.include({
      kind: 'not_found',
      code: 'accounts.phone_not_found',
    });
    await acc.call(accountsRpc.cancelSmsPass, { accountId });
    await acc.call(accountsRpc.removePhone, { accountId, phone: '+38640123456' });
    const removed = (await acc.outbox()).filter((r) => r.subject === 'idp.account.phone_removed.v1');
    expect(removed.map((r) => (r.envelope.data as { verified: boolean }).verified)).to.deep.equal([
      false,
      true,
    ]);
    expect(JSON.stringify(removed)).not.to.include('999888').and.not.to.include('123456');
  });

  it('export_personal_data: the account, personal data, phones and activations as one document', async () => {
    const accountId = await activeAccount();
    const doc = await acc.call(accountsRpc.exportPersonalData, { accountId });
    expect(doc.account).to.include({
      accountId,
      state: 'smspass_active',
      smsPass: 'active',
      email: 'ana@example.si',
    });
    expect(doc.personalData).to.deep.equal({
      givenName: 'Ana',
      familyName: 'Novak',
      taxNumber: '50223054',
      birthDate: '1990-05-17',
    });
    expect(doc.phones).to.have.length(1);
    expect(doc.phones[0]).to.include({ phone: '+38640123456', verified: true });
    expect(doc.smsPassActivations).to.have.length(1);
    const exported = (await acc.outbox()).filter(
      (r) => r.subject === 'idp.account.personal_data_exported.v1',
    );
    expect(exported.map((r) => r.envelope.data)).to.deep.equal([{ accountId }]);
  });

  it('delete_account: needs the password; erases personal data, frees e-mail and tax number, keeps a tombstone', async () => {
    const accountId = await activeAccount();
    expect(
      await acc.refusal(accountsRpc.deleteAccount, { accountId, password: 'wrong password!!' }),
    ).to.include({
      kind: 'unauthenticated',
      code: 'accounts.invalid_credentials',
    });
    const { erasedAt } = await acc.call(accountsRpc.deleteAccount, { accountId, password: PASSWORD });
    const row = await acc.database.db
      .selectFrom('accounts')
      .selectAll()
      .where('id', '=', accountId)
      .executeTakeFirstOrThrow();
    expect(row).to.include({ state: 'erased', email: null, given_name: null, tax_number: null, emso: null });
    expect(row.erased_at!.toISOString()).to.equal(erasedAt);
    expect(await acc.database.db.selectFrom('phones').selectAll().execute()).to.have.length(0);
    // Crypto-shredding: the person's key (made when the account recorded its personal data) is gone.
    const key = await acc.database.db
      .selectFrom('person_keys')
      .selectAll()
      .where('account_id', '=', accountId)
      .executeTakeFirstOrThrow();
    expect(key.wrapped_key).to.equal(null);
    expect(key.destroyed_at!.toISOString()).to.equal(erasedAt);
    expect(await acc.refusal(accountsRpc.getAttributes, { accountId })).to.include({
      code: 'accounts.not_found',
    });
    const erased = (await acc.outbox()).filter((r) => r.subject === 'idp.account.erased.v1');
    expect(erased.map((r) => r.envelope.data)).to.deep.equal([
      { accountId, from: 'smspass_active', by: 'self' },
    ]);
    // The address and tax number are free for a new account.
    await activeAccount('ana@example.si');
  });

  it("delete_account: the account's mail jobs leave the outbox (their seal opens here); others' stay", async () => {
    const accountId = await activeAccount();
    await acc.call(accountsRpc.createAccount, {
      email: 'bor@example.si',
      password: PASSWORD,
      givenName: 'Bor',
      familyName: 'Kos',
    });
    for (const email of ['ana@example.si', 'bor@example.si'])
      await acc.call(accountsRpc.requestPasswordReset, { email });
    expect((await acc.mails()).map((m) => m.to)).to.have.members(['ana@example.si', 'bor@example.si']);
    await acc.call(accountsRpc.deleteAccount, { accountId, password: PASSWORD });
    expect((await acc.mails()).map((m) => m.to)).to.deep.equal(['bor@example.si']);
    // The events stay: they hold references, and her personal data only under her destroyed key.
    const events = (await acc.outbox()).filter((r) => r.envelope.aggregate.id === accountId);
    expect(events.map((r) => r.subject)).to.include.members([
      'idp.account.created.v1',
      'idp.account.password_reset_requested.v1',
      'idp.account.erased.v1',
    ]);
    expect(JSON.stringify(events)).not.to.include('ana@example.si');
  });

  describe('add_phone (otp-sender asked over NATS, a stand-in answering)', () => {
    interface Challenge {
      state: 'pending' | 'verified';
      accountId: string;
      purpose: 'login' | 'bind_phone';
      phone: string;
    }
    const challenges = new Map<string, Challenge>();
    const asked: { challengeId: string; phone?: string }[] = [];
    beforeEach(() => {
      challenges.clear();
      asked.length = 0;
      acc.standIn([
        rpcHandler(otpRpc.status, async (req) => {
          asked.push(req);
          const ch = challenges.get(req.challengeId);
          if (!ch) throw new DomainError('not_found', 'otp.challenge_not_found');
          return {
            challengeId: req.challengeId,
            expiresAt: '2026-03-01T10:05:00.000Z',
            destinationHint: '+386 •• ••• •• 77',
            resendsLeft: 3,
            delivery: 'sent' as const,
            state: ch.state,
            accountId: ch.accountId,
            purpose: ch.purpose,
            ...(req.phone ? { phoneMatches: req.phone === ch.phone } : {}),
          };
        }),
      ]);
    });
    const challenge = (c: Challenge) => {
      const id = randomUUID();
      challenges.set(id, c);
      return id;
    };

    it('binds a proven phone as verified, records phone_added and mails the account address a masked number', async () => {
      const accountId = await activeAccount();
      const challengeId = challenge({
        state: 'verified',
        accountId,
        purpose: 'bind_phone',
        phone: '+38631555777',
      });
      expect(
        await acc.call(accountsRpc.addPhone, { accountId, phone: '+386 31 555 777', challengeId }),
      ).to.deep.equal({ accountId });
      expect(asked).to.deep.equal([{ challengeId, phone: '+38631555777' }]);
      const doc = await acc.call(accountsRpc.exportPersonalData, { accountId });
      expect(doc.phones.find((p) => p.phone === '+38631555777')).to.include({ verified: true });
      const added = (await acc.outbox()).filter((r) => r.subject === 'idp.account.phone_added.v1');
      expect(added).to.have.length(1);
      expect(added[0]!.envelope.data).to.include({ accountId, challengeId });
      expect(JSON.stringify(added)).not.to.include('555777');
      const mail = (await acc.mails()).filter((m) => m.template === 'phone_added');
      expect(mail).to.have.length(1);
      expect(mail[0]).to.deep.include({ to: 'ana@example.si', language: 'sl' });
      expect(mail[0]!.params.phoneHint).to.match(/^\+386\D+77$/);
      // The new phone is verified: with it the old one is no longer the last and may go.
      await acc.call(accountsRpc.removePhone, { accountId, phone: '+38640123456' });
    });

    it('refuses with accounts.phone_not_proven: unknown, pending, another account, another purpose, another phone', async () => {
      const accountId = await activeAccount();
      const phone = '+38631555777';
      const cases = [
        randomUUID(),
        challenge({ state: 'pending', accountId, purpose: 'bind_phone', phone }),
        challenge({ state: 'verified', accountId: randomUUID(), purpose: 'bind_phone', phone }),
        challenge({ state: 'verified', accountId, purpose: 'login', phone }),
        challenge({ state: 'verified', accountId, purpose: 'bind_phone', phone: '+38631555778' }),
      ];
      for (const challengeId of cases) {
        expect(await acc.refusal(accountsRpc.addPhone, { accountId, phone, challengeId })).to.include({
          kind: 'precondition',
          code: 'accounts.phone_not_proven',
        });
      }
      const doc = await acc.call(accountsRpc.exportPersonalData, { accountId });
      expect(doc.phones.map((p) => p.phone)).to.deep.equal(['+38640123456']);
      const outbox = await acc.outbox();
      expect(outbox.filter((r) => r.subject === 'idp.account.phone_added.v1')).to.have.length(0);
      expect((await acc.mails()).filter((m) => m.template === 'phone_added')).to.have.length(0);
    });
  });
});
