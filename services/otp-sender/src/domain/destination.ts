import { DomainError } from '@idp/events';

/** E.164: `+`, country code, at most 15 digits in all. */
export const E164 = /^\+[1-9]\d{6,14}$/;

/**
 * SMS pumping (toll fraud) sends codes to numbers whose operator pays the attacker; the first
 * defence is to refuse countries the service has no citizens' phones in. E.164 country codes are
 * prefix-free, so a prefix match is exact.
 */
export function assertDestinationAllowed(phone: string, allowedCountryCodes: readonly string[]): string {
  if (!E164.test(phone)) throw new DomainError('invalid_argument', 'otp.destination_not_allowed');
  const cc = allowedCountryCodes.find((c) => phone.startsWith(c));
  if (!cc) throw new DomainError('invalid_argument', 'otp.destination_not_allowed');
  return cc;
}

/** `+386 •• ••• •• 56`: the country and the last two digits, enough to recognise one's own phone. */
export function maskPhone(phone: string, countryCode: string): string {
  const national = phone.slice(countryCode.length);
  const hidden = Math.max(national.length - 2, 0);
  const groups: string[] = [];
  for (let left = hidden, i = 0; left > 0; i++) {
    const n = Math.min(left, i % 2 === 0 ? 2 : 3);
    groups.push('•'.repeat(n));
    left -= n;
  }
  return [countryCode, ...groups, national.slice(hidden)].join(' ');
}

/** The number block a pumping attack walks through: the first `digits` digits after `+`. */
export const numberPrefix = (phone: string, digits: number): string => phone.slice(1, 1 + digits);
