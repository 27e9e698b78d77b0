import { expect } from 'chai';
import { DomainError } from '@idp/events';
import { ageOn, assertOldEnough, calendarDate, parseBirthDate } from './age.js';

const d = (s: string) => parseBirthDate(s);
const errorCode = (f: () => unknown): string | undefined => {
  try {
    f();
    return undefined;
  } catch (e) {
    expect(e).to.be.instanceOf(DomainError);
    return (e as DomainError).code;
  }
};

describe('domain/age', () => {
  it('counts completed years', () => {
    expect(ageOn(d('2000-06-15'), d('2015-06-14'))).to.equal(14);
    expect(ageOn(d('2000-06-15'), d('2015-06-15'))).to.equal(15);
    expect(ageOn(d('2000-06-15'), d('2015-12-31'))).to.equal(15);
  });

  it('lets someone born on 29 February come of age on 1 March in a common year', () => {
    expect(ageOn(d('2008-02-29'), d('2023-02-28'))).to.equal(14);
    expect(ageOn(d('2008-02-29'), d('2023-03-01'))).to.equal(15);
    expect(ageOn(d('2008-02-29'), d('2024-02-29'))).to.equal(16);
  });

  it('accepts a person on their 15th birthday and refuses them the day before', () => {
    const noonInLjubljana = new Date('2025-06-15T10:00:00Z');
    expect(errorCode(() => assertOldEnough(d('2010-06-15'), noonInLjubljana))).to.equal(undefined);
    expect(errorCode(() => assertOldEnough(d('2010-06-16'), noonInLjubljana))).to.equal('accounts.too_young');
  });

  it('reads "today" on the Slovenian calendar, whatever the server time zone', () => {
    // 23:30 UTC on 14 June is already 15 June in Ljubljana (CEST, UTC+2).
    const now = new Date('2025-06-14T23:30:00Z');
    expect(calendarDate(now)).to.deep.equal({ year: 2025, month: 6, day: 15 });
    expect(errorCode(() => assertOldEnough(d('2010-06-15'), now))).to.equal(undefined);
  });

  it('refuses a birth date in the future as too young', () => {
    expect(errorCode(() => assertOldEnough(d('2030-01-01'), new Date('2025-01-01T12:00:00Z')))).to.equal(
      'accounts.too_young',
    );
  });

  it('refuses dates that do not exist or are not YYYY-MM-DD', () => {
    for (const bad of ['2023-02-29', '2020-13-01', '2020-04-31', '20-01-01', '2020-1-1', '1899-12-31', 'x'])
      expect(
        errorCode(() => parseBirthDate(bad)),
        bad,
      ).to.equal('accounts.invalid_birth_date');
    expect(parseBirthDate('2024-02-29')).to.deep.equal({ year: 2024, month: 2, day: 29 });
  });
});
