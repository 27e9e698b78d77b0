import { parsePhoneNumberWithError, type PhoneNumber } from 'libphonenumber-js/max';
import { DomainError } from '@idp/events';

const invalidPhone = (message: string) =>
  new DomainError('invalid_argument', 'accounts.invalid_phone', { message });

/**
 * A mobile number in E.164 (`+38640123456`), from what an operator or citizen typed
 * (`+386 40 123 456`, `00386 40 123 456`). Numbers without a country code are refused rather
 * than guessed: the registry also holds foreign phones, and SMS to the wrong country is a
 * delivery failure at best and an SMS-pumping cost at worst.
 */
export function parseMobilePhone(input: string): string {
  const text = input.trim().replace(/^00/, '+');
  if (!text.startsWith('+')) {
    throw invalidPhone('must be in international format, starting with + and the country code');
  }
  let phone: PhoneNumber;
  try {
    phone = parsePhoneNumberWithError(text);
  } catch {
    throw invalidPhone('is not a phone number');
  }
  if (!phone.isValid()) throw invalidPhone('is not a valid phone number');
  // Some countries (US, CA, …) do not distinguish mobile from fixed numbers; SMS reaches both there.
  const type = phone.getType();
  if (type !== 'MOBILE' && type !== 'FIXED_LINE_OR_MOBILE') {
    throw invalidPhone('is not a mobile number: smsPASS codes go by SMS');
  }
  return phone.number;
}

/**
 * What a citizen is shown to recognise their phone (`+386 •• ••• •56`): the country code and the
 * last two digits, every other digit masked, in the country's usual grouping. Enough to tell two
 * of one's own phones apart, too little to call or spam anyone.
 */
export function maskPhone(e164: string): string {
  const phone = parsePhoneNumberWithError(e164);
  const countryCode = `+${phone.countryCallingCode}`;
  const formatted = phone.formatInternational();
  const national = formatted.startsWith(countryCode) ? formatted.slice(countryCode.length) : formatted;
  const digits = national.replace(/\D/g, '').length;
  let seen = 0;
  const masked = national.replace(/\d/g, (d) => (++seen > digits - 2 ? d : '•'));
  return `${countryCode}${masked}`;
}
