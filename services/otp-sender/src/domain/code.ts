import { createHmac, randomInt, timingSafeEqual } from 'node:crypto';

export const CODE_DIGITS = 6;

/**
 * A 6-digit code from the CSPRNG (NIST SP 800-63B §5.1.3.2: an approved RBG, ≥ 20 bits).
 * `randomInt` draws without modulo bias; leading zeros are kept.
 */
export function generateCode(draw: (max: number) => number = randomInt): string {
  return String(draw(10 ** CODE_DIGITS)).padStart(CODE_DIGITS, '0');
}

/**
 * The only form in which a code is stored. The challenge id is part of the input, so one code
 * HMAC says nothing about another challenge and a stored value cannot be moved between challenges.
 */
export function codeHmac(key: Buffer, challengeId: string, code: string): string {
  return createHmac('sha256', key).update(`${challengeId}:${code}`).digest('base64url');
}

/** Compares HMACs in constant time, so response timing does not reveal how much of a guess was right. */
export function codeMatches(key: Buffer, challengeId: string, code: string, storedHmac: string): boolean {
  const given = Buffer.from(codeHmac(key, challengeId, code), 'base64url');
  const stored = Buffer.from(storedHmac, 'base64url');
  return given.length === stored.length && timingSafeEqual(given, stored);
}
