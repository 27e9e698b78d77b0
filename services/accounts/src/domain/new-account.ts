import { DomainError } from '@idp/events';
import { assertOldEnough, formatCalendarDate, parseBirthDate } from './age.js';
import { assertAcceptablePassword, normalizePassword } from './password.js';
import { parseMobilePhone } from './phone.js';
import { parseTaxNumber } from './tax-number.js';

/** An account as an operator asks for it (`create_account.v1`, already schema-checked). */
export interface NewAccountRequest {
  email: string;
  password: string;
  givenName?: string | undefined;
  familyName?: string | undefined;
  taxNumber?: string | undefined;
  birthDate?: string | undefined;
  phone?: string | undefined;
  smsPass: 'none' | 'active';
}

/** The same, every field checked and in its canonical form. */
export interface NewAccount {
  email: string;
  /** NFKC-normalised, ready to hash. */
  password: string;
  givenName: string | undefined;
  familyName: string | undefined;
  /** 8 digits, no SI prefix. */
  taxNumber: string | undefined;
  /** `YYYY-MM-DD` */
  birthDate: string | undefined;
  /** E.164 */
  phone: string | undefined;
  smsPass: 'none' | 'active';
}

/**
 * Applies every rule a new account must meet and returns its canonical form, or throws the first
 * broken rule as a typed error. Uniqueness (e-mail, tax number) is the database's to enforce.
 */
export function validateNewAccount(req: NewAccountRequest, now: Date): NewAccount {
  const password = normalizePassword(req.password);
  assertAcceptablePassword(password, { email: req.email });
  const taxNumber = req.taxNumber === undefined ? undefined : parseTaxNumber(req.taxNumber);
  const phone = req.phone === undefined ? undefined : parseMobilePhone(req.phone);
  if (req.smsPass === 'active' && phone === undefined) {
    throw new DomainError('invalid_argument', 'accounts.phone_required', {
      message: 'smsPASS can only be active with a phone to send codes to',
    });
  }
  let birthDate: string | undefined;
  if (req.birthDate !== undefined) {
    const birth = parseBirthDate(req.birthDate);
    assertOldEnough(birth, now);
    birthDate = formatCalendarDate(birth);
  }
  return {
    email: req.email,
    password,
    givenName: req.givenName,
    familyName: req.familyName,
    taxNumber,
    birthDate,
    phone,
    smsPass: req.smsPass,
  };
}
