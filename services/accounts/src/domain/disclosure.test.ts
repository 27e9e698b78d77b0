import { randomBytes } from 'node:crypto';
import { expect } from 'chai';
import {
  createEventSigner,
  disclosureSigningBytes,
  encryptField,
  generateSigningKeyPair,
  type AuditorEntry,
  type DisclosureStatement,
} from '@idp/events';
import { checkDisclosureRequest } from './disclosure.js';
import { createPersonKeyWrapper } from './person-key.js';

const T0 = new Date('2026-03-01T10:00:00Z');
const pair = generateSigningKeyPair();
const signer = createEventSigner(pair.privateKeyPem);
const auditor = (role: AuditorEntry['role']): AuditorEntry => ({
  id: 'ana@audit.example',
  name: 'Ana Revizorka',
  role,
  publicKey: pair.publicKeyPem,
});
const accountId = '0190a1b2-0000-7000-8000-000000000001';
const statement: DisclosureStatement = {
  auditorId: 'ana@audit.example',
  eventId: '0190a1b2-0000-7000-8000-00000000000e',
  subject: 'idp.account.personal_data_changed.v1',
  accountId,
  field: 'family_name',
  value: encryptField(randomBytes(32), 'k1', 'Novak', {
    subject: 'idp.account.personal_data_changed.v1',
    field: 'family_name',
    accountId,
  }),
  reason: 'surname correction dispute 2026/17',
  requestedAt: T0.toISOString(),
};
const signed = (s: DisclosureStatement) => signer.sign(disclosureSigningBytes(s));

describe('domain/disclosure checkDisclosureRequest()', () => {
  it('grants a fresh request signed by a disclosure auditor', () => {
    expect(checkDisclosureRequest(statement, signed(statement), auditor('disclosure'), T0)).to.equal(
      undefined,
    );
  });

  it('refuses a read_only auditor even with a good signature', () => {
    expect(checkDisclosureRequest(statement, signed(statement), auditor('read_only'), T0)).to.equal(
      'not_authorised',
    );
  });

  it('refuses an auditor not on the roster', () => {
    expect(checkDisclosureRequest(statement, signed(statement), undefined, T0)).to.equal('unauthenticated');
  });

  it('refuses a signature over another request or by another key', () => {
    const other = { ...statement, field: 'given_name' };
    expect(checkDisclosureRequest(statement, signed(other), auditor('disclosure'), T0)).to.equal(
      'unauthenticated',
    );
    const stranger = createEventSigner(generateSigningKeyPair().privateKeyPem);
    expect(
      checkDisclosureRequest(
        statement,
        stranger.sign(disclosureSigningBytes(statement)),
        auditor('disclosure'),
        T0,
      ),
    ).to.equal('unauthenticated');
  });

  it('refuses a request older than five minutes, and one from the future beyond that', () => {
    const late = new Date(T0.getTime() + 5 * 60_000 + 1);
    expect(checkDisclosureRequest(statement, signed(statement), auditor('disclosure'), late)).to.equal(
      'stale',
    );
    const early = new Date(T0.getTime() - 5 * 60_000 - 1);
    expect(checkDisclosureRequest(statement, signed(statement), auditor('disclosure'), early)).to.equal(
      'stale',
    );
    const justInTime = new Date(T0.getTime() + 5 * 60_000);
    expect(checkDisclosureRequest(statement, signed(statement), auditor('disclosure'), justInTime)).to.equal(
      undefined,
    );
  });
});

describe('domain/person-key wrapper', () => {
  const wrapper = createPersonKeyWrapper('a-master-key-of-at-least-thirty-two-chars');
  it('unwraps only for the account and key id it was wrapped for, under the same master key', () => {
    const key = randomBytes(32);
    const wrapped = wrapper.wrap(key, accountId, 'k1');
    expect(wrapped).not.to.contain(key.toString('base64url'));
    expect(wrapper.unwrap(wrapped, accountId, 'k1').equals(key)).to.equal(true);
    expect(() => wrapper.unwrap(wrapped, '0190a1b2-0000-7000-8000-000000000002', 'k1')).to.throw();
    expect(() => wrapper.unwrap(wrapped, accountId, 'k2')).to.throw();
    const other = createPersonKeyWrapper('another-master-key-of-at-least-32-chars');
    expect(() => other.unwrap(wrapped, accountId, 'k1')).to.throw();
  });
});
