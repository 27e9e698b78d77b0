import { DomainError } from '@idp/events';
import { assertOldEnough, formatCalendarDate, parseBirthDate } from './age.js';
import { parseEmail } from './email.js';
import { assertEmsoMatchesBirthDate, parseEmso } from './emso.js';
import { assertAcceptablePassword, normalizePassword } from './password.js';
import { parseMobilePhone } from './phone.js';
import { parseTaxNumber } from './tax-number.js';

/** A citizen's self-registration (`register.v1`, already schema-checked). */
export interface RegistrationRequest {
  email: string;
  password: string;
  givenName: string;
  familyName: string;
  taxNumber: string;
  emso?: string | undefined;
  birthDate: string;
  address: { street: string; postalCode: string; city: string; country: string };
  phone?: string | undefined;
  termsVersion: string;
}

export interface Registration {
  email: string;
  /** NFKC-normalised, ready to hash. */
  password: string;
  givenName: string;
  familyName: string;
  taxNumber: string;
  emso: string | undefined;
  /** `YYYY-MM-DD` */
  birthDate: string;
  address: { street: string; postalCode: string; city: string; country: string };
  /** E.164, stored unverified. */
  phone: string | undefined;
  termsVersion: string;
}

/**
 * Every rule a registration must meet, in the order a form shows them, or the first broken one as
 * a typed error. Age is counted on the day of `now`. Uniqueness is the database's to enforce.
 */
export function validateRegistration(
  req: RegistrationRequest,
  now: Date,
  currentTerms: string,
): Registration {
  if (req.termsVersion !== currentTerms) {
    throw new DomainError('precondition', 'accounts.terms_outdated', {
      message: `the current terms of use are version ${currentTerms}`,
    });
  }
  const email = parseEmail(req.email);
  const password = normalizePassword(req.password);
  assertAcceptablePassword(password, { email });
  const taxNumber = parseTaxNumber(req.taxNumber);
  const birth = parseBirthDate(req.birthDate);
  assertOldEnough(birth, now);
  let emso: string | undefined;
  if (req.emso !== undefined && req.emso.trim() !== '') {
    const parsed = parseEmso(req.emso);
    assertEmsoMatchesBirthDate(parsed, birth);
    emso = parsed.emso;
  }
  const phone = req.phone === undefined || req.phone.trim() === '' ? undefined : parseMobilePhone(req.phone);
  return {
    email,
    password,
    givenName: req.givenName.trim(),
    familyName: req.familyName.trim(),
    taxNumber,
    emso,
    birthDate: formatCalendarDate(birth),
    address: {
      street: req.address.street.trim(),
      postalCode: req.address.postalCode.trim(),
      city: req.address.city.trim(),
      country: req.address.country.trim().toUpperCase(),
    },
    phone,
    termsVersion: req.termsVersion,
  };
}
