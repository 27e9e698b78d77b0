import { expect } from 'chai';
import { DomainError } from '@idp/events';
import { localDate, parseIdDocument, parseReason } from './id-document.js';

// 23:30 UTC on 31 March is already 1 April in Ljubljana (CEST, UTC+2).
const NOW = new Date('2026-03-31T23:30:00Z');

describe('domain/id-document', () => {
  it('takes the date in Slovenia, not UTC', () => {
    expect(localDate(NOW)).to.equal('2026-04-01');
  });

  it('normalises the document number and accepts a document valid until today', () => {
    expect(
      parseIdDocument({ type: 'identity_card', number: ' ab 123-456 ', expiresOn: '2026-04-01' }, NOW),
    ).to.deep.equal({ type: 'identity_card', number: 'AB123456', expiresOn: '2026-04-01' });
  });

  it('refuses an expired document with ra.document_expired', () => {
    expect(() => parseIdDocument({ type: 'passport', number: 'PA1234567', expiresOn: '2026-03-31' }, NOW))
      .to.throw(DomainError)
      .with.property('code', 'ra.document_expired');
  });

  it('refuses an unknown type, a bad number or a date that does not exist', () => {
    for (const form of [
      { type: 'library_card', number: 'PA1234567', expiresOn: '2030-01-01' },
      { type: 'passport', number: 'P1', expiresOn: '2030-01-01' },
      { type: 'passport', number: '<script>', expiresOn: '2030-01-01' },
      { type: 'passport', number: 'PA1234567', expiresOn: '2030-02-30' },
      { type: 'passport', number: 'PA1234567', expiresOn: undefined },
    ])
      expect(() => parseIdDocument(form, NOW))
        .to.throw(DomainError)
        .with.property('code', 'ra.invalid_form');
  });

  it('wants a reason of 3 to 500 characters, with whitespace collapsed', () => {
    expect(parseReason('  photo   does not match ')).to.equal('photo does not match');
    for (const r of ['', 'no', 'x'.repeat(501), undefined])
      expect(() => parseReason(r))
        .to.throw(DomainError)
        .with.property('code', 'ra.invalid_form');
  });
});
