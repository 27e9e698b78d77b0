import { createHmac, randomInt, timingSafeEqual } from 'node:crypto';

/** Crockford's base32: no I, L, O or U, so nothing on a letter can be misread as something else. */
export const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
export const CODE_LENGTH = 12;

/**
 * A fresh activation code: 12 Crockford base32 characters from the CSPRNG (60 bits, so guessing one
 * within 5 tries is hopeless), shown in groups of four: `7KQ2-M9XD-4HTR`. `randomInt` draws
 * without modulo bias.
 */
export function generateActivationCode(draw: (max: number) => number = randomInt): string {
  let raw = '';
  for (let i = 0; i < CODE_LENGTH; i++) raw += CROCKFORD[draw(CROCKFORD.length)];
  return formatActivationCode(raw);
}

export const formatActivationCode = (raw: string): string => raw.match(/.{1,4}/g)!.join('-');

/**
 * What the citizen typed, in canonical form: upper case, without spaces or dashes, with the
 * letters Crockford reads as digits (I, L → 1; O → 0). Undefined when it cannot be a code.
 */
export function normalizeActivationCode(typed: string): string | undefined {
  const s = typed.toUpperCase().replace(/[\s-]/g, '').replace(/[IL]/g, '1').replace(/O/g, '0');
  return new RegExp(`^[${CROCKFORD}]{${CODE_LENGTH}}$`).test(s) ? s : undefined;
}

/**
 * The only form in which a code is stored: HMAC-SHA256 with the service secret. The request id is
 * part of the input, so one stored value says nothing about another request's code.
 */
export function activationCodeHash(key: Buffer, requestId: string, code: string): string {
  const canonical = normalizeActivationCode(code) ?? code;
  return createHmac('sha256', key).update(`activation-code/v1:${requestId}:${canonical}`).digest('hex');
}

/** Compares in constant time, so response timing does not reveal how much of a guess was right. */
export function activationCodeMatches(
  key: Buffer,
  requestId: string,
  typed: string,
  storedHash: string,
): boolean {
  const canonical = normalizeActivationCode(typed);
  // Hashed even when malformed, so a malformed guess costs the same time as a wrong one.
  const given = Buffer.from(activationCodeHash(key, requestId, canonical ?? 'malformed'), 'hex');
  const stored = Buffer.from(storedHash, 'hex');
  return canonical !== undefined && given.length === stored.length && timingSafeEqual(given, stored);
}

/**
 * `A-` (an activation request) or `C-` (an identity correction) and 8 Crockford characters: short
 * enough for an officer to type from the citizen's screen.
 */
export function generateRequestNumber(
  prefix: 'A' | 'C' = 'A',
  draw: (max: number) => number = randomInt,
): string {
  let s = `${prefix}-`;
  for (let i = 0; i < 8; i++) s += CROCKFORD[draw(CROCKFORD.length)];
  return s;
}
