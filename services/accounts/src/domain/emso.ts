import { DomainError } from '@idp/events';
import { formatCalendarDate, type CalendarDate } from './age.js';

/** Digits 1–12 weighted 7..2, 7..2 (python-stdnum `si/emso.py`; sl.wikipedia "EMŠO"). */
const WEIGHTS = [7, 6, 5, 4, 3, 2, 7, 6, 5, 4, 3, 2] as const;
const FORMAT = /^\d{13}$/;

const invalidEmso = (message: string) =>
  new DomainError('invalid_argument', 'accounts.invalid_emso', { message });

/**
 * The check digit of the first twelve digits: 11 − (S mod 11), with 10 and 11 mapped to 0
 * (stdnum's `(−S) mod 11 mod 10`). Some registers reject remainder 1 instead; numbers issued
 * that way exist, so we follow the rule that accepts them.
 */
export function emsoCheckDigit(first12: string): number {
  const sum = WEIGHTS.reduce((s, w, i) => s + w * Number(first12[i]), 0);
  return ((11 - (sum % 11)) % 11) % 10;
}

/**
 * Birth date encoded in `DDMMYYY…`: YYY is the last three digits of the year, 800–999 meaning
 * 1800–1999 and 000–799 meaning 2000–2799.
 */
function birthDateOf(emso: string): CalendarDate | undefined {
  const day = Number(emso.slice(0, 2));
  const month = Number(emso.slice(2, 4));
  const yyy = Number(emso.slice(4, 7));
  const year = yyy < 800 ? 2000 + yyy : 1000 + yyy;
  const probe = new Date(Date.UTC(year, month - 1, day));
  const real =
    probe.getUTCFullYear() === year && probe.getUTCMonth() === month - 1 && probe.getUTCDate() === day;
  return real ? { year, month, day } : undefined;
}

export interface Emso {
  /** 13 digits. */
  emso: string;
  birthDate: CalendarDate;
}

/** A checked EMŠO (spaces allowed around and inside) and the birth date it encodes. */
export function parseEmso(input: string): Emso {
  const emso = input.replace(/\s+/g, '');
  if (!FORMAT.test(emso)) throw invalidEmso('must be 13 digits');
  const birthDate = birthDateOf(emso);
  if (!birthDate) throw invalidEmso('does not start with a real date of birth');
  if (emsoCheckDigit(emso.slice(0, 12)) !== Number(emso[12])) throw invalidEmso('fails its checksum');
  return { emso, birthDate };
}

/** Throws `accounts.emso_birth_date_mismatch` unless the EMŠO encodes `birthDate`. */
export function assertEmsoMatchesBirthDate(emso: Emso, birthDate: CalendarDate): void {
  if (formatCalendarDate(emso.birthDate) !== formatCalendarDate(birthDate)) {
    throw new DomainError('invalid_argument', 'accounts.emso_birth_date_mismatch', {
      message: 'the EMŠO encodes another date of birth',
    });
  }
}
