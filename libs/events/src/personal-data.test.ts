import { randomBytes } from 'node:crypto';
import { expect } from 'chai';
import {
  AccountPersonalDataChangedV1,
  AuditorRoster,
  EncryptedField,
  decryptField,
  disclosureSigningBytes,
  encryptField,
  encryptedFields,
  type FieldBinding,
} from './index.js';

const key = randomBytes(32);
const binding: FieldBinding = {
  subject: 'idp.account.personal_data_changed.v1',
  field: 'family_name',
  accountId: '0190a1b2-0000-7000-8000-000000000001',
};

describe('personal-data encrypted fields', () => {
  it('round-trips a value and holds nothing of it in clear', () => {
    const v = encryptField(key, 'k1', 'Novak-Kovačič', binding);
    expect(EncryptedField.parse(v)).to.deep.equal(v);
    expect(JSON.stringify(v)).not.to.contain('Novak');
    expect(decryptField(key, v, binding)).to.equal('Novak-Kovačič');
  });

  it('uses a fresh IV per value, so equal surnames do not look equal', () => {
    const a = encryptField(key, 'k1', 'Novak', binding);
    const b = encryptField(key, 'k1', 'Novak', binding);
    expect(a.iv).not.to.equal(b.iv);
    expect(a.ct).not.to.equal(b.ct);
  });

  for (const [what, other] of [
    ['another event subject', { ...binding, subject: 'idp.account.other_thing.v1' }],
    ['another field', { ...binding, field: 'given_name' }],
    ['another account', { ...binding, accountId: '0190a1b2-0000-7000-8000-000000000002' }],
  ] as const) {
    it(`refuses to open a value presented for ${what}`, () => {
      const v = encryptField(key, 'k1', 'Novak', binding);
      expect(() => decryptField(key, v, other)).to.throw();
    });
  }

  it('refuses another key, another key id and an altered ciphertext', () => {
    const v = encryptField(key, 'k1', 'Novak', binding);
    expect(() => decryptField(randomBytes(32), v, binding)).to.throw();
    expect(() => decryptField(key, { ...v, kid: 'k2' }, binding)).to.throw();
    const ct = Buffer.from(v.ct, 'base64url');
    ct[0] = ct[0]! ^ 1;
    expect(() => decryptField(key, { ...v, ct: ct.toString('base64url') }, binding)).to.throw();
  });

  it('finds encrypted fields by the name they are bound to', () => {
    const data = AccountPersonalDataChangedV1.schema.parse({
      accountId: binding.accountId,
      changes: [
        { field: 'family_name', value: encryptField(key, 'k1', 'Novak', binding) },
        { field: 'given_name', value: encryptField(key, 'k1', 'Ana', { ...binding, field: 'given_name' }) },
      ],
    });
    expect(encryptedFields(data).map((f) => f.field)).to.deep.equal(['family_name', 'given_name']);
    expect(encryptedFields({ note: encryptField(key, 'k1', 'x', binding), n: 1 })[0]?.field).to.equal('note');
  });

  it('the personal_data_changed schema refuses a clear value', () => {
    const r = AccountPersonalDataChangedV1.schema.safeParse({
      accountId: binding.accountId,
      changes: [{ field: 'family_name', value: 'Novak' }],
    });
    expect(r.success).to.equal(false);
  });

  it('signs disclosure requests over every part, so none can be swapped', () => {
    const s = {
      auditorId: 'a1',
      eventId: '0190a1b2-0000-7000-8000-00000000000e',
      subject: binding.subject,
      accountId: binding.accountId,
      field: 'family_name',
      value: encryptField(key, 'k1', 'Novak', binding),
      reason: 'dispute 2026/17 about the surname',
      requestedAt: '2026-03-01T10:00:00.000Z',
    };
    const base = disclosureSigningBytes(s).toString('utf8');
    expect(disclosureSigningBytes({ ...s, field: 'given_name' }).toString('utf8')).not.to.equal(base);
    expect(disclosureSigningBytes({ ...s, reason: 'another reason entirely' }).toString('utf8')).not.to.equal(
      base,
    );
    expect(disclosureSigningBytes({ ...s }).toString('utf8')).to.equal(base);
  });

  it('reads an auditor roster and refuses an unknown role', () => {
    const entry = {
      id: 'ana@audit.example',
      name: 'Ana',
      role: 'disclosure',
      publicKey: '-----BEGIN PUBLIC KEY-----\n',
    };
    expect(AuditorRoster.parse([entry])).to.have.length(1);
    expect(AuditorRoster.safeParse([{ ...entry, role: 'admin' }]).success).to.equal(false);
  });
});
