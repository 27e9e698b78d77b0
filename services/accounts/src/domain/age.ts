import { DomainError } from '@idp/events';

/** smsPASS and the accounts behind it are for people aged 15 or more. */
export const MINIMUM_AGE = 15;
/** Ages are counted on the calendar of the service's users, not of the server. */
export const SERVICE_TIME_ZONE = 'Europe/Ljubljana';

export interface CalendarDate {
  year: number;
  month: number;
  day: number;
}

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** A real `YYYY-MM-DD` date (no 2023-02-29), or `accounts.invalid_birth_date`. */
export function parseBirthDate(text: string): CalendarDate {
  const m = ISO_DATE.exec(text);
  const [year, month, day] = m ? [Number(m[1]), Number(m[2]), Number(m[3])] : [0, 0, 0];
  const probe = new Date(Date.UTC(year, month - 1, day));
  const real =
    m !== null &&
    year >= 1900 &&
    probe.getUTCFullYear() === year &&
    probe.getUTCMonth() === month - 1 &&
    probe.getUTCDate() === day;
  if (!real) {
    throw new DomainError('invalid_argument', 'accounts.invalid_birth_date', {
      message: 'must be a real date written YYYY-MM-DD, not before 1900',
    });
  }
  return { year, month, day };
}

/** The date it is at `now` in `timeZone`. */
export function calendarDate(now: Date, timeZone = SERVICE_TIME_ZONE): CalendarDate {
  const parts = new Intl.DateTimeFormat('en-CA', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).formatToParts(now);
  const part = (type: string) => Number(parts.find((p) => p.type === type)?.value);
  return { year: part('year'), month: part('month'), day: part('day') };
}

/**
 * Completed years on `today`. Someone born on 29 February completes a year on 1 March in common
 * years: the birthday has not passed until the calendar is beyond 28 February.
 */
export function ageOn(birth: CalendarDate, today: CalendarDate): number {
  const beforeBirthday = today.month < birth.month || (today.month === birth.month && today.day < birth.day);
  return today.year - birth.year - (beforeBirthday ? 1 : 0);
}

/** Throws `accounts.too_young` unless the person is at least {@link MINIMUM_AGE} on today's date. */
export function assertOldEnough(birth: CalendarDate, now: Date): void {
  if (ageOn(birth, calendarDate(now)) < MINIMUM_AGE) {
    throw new DomainError('invalid_argument', 'accounts.too_young', {
      message: `must be at least ${MINIMUM_AGE} years old`,
    });
  }
}

export const formatCalendarDate = (d: CalendarDate): string =>
  `${String(d.year).padStart(4, '0')}-${String(d.month).padStart(2, '0')}-${String(d.day).padStart(2, '0')}`;
