import { dictionary } from '@zxcvbn-ts/language-common';
import { DomainError } from '@idp/events';

/**
 * NIST SP 800-63B: at least 15 characters for single-factor use, at least 8 when the password is
 * one of two factors; we ask 12. No composition rules: they make passwords harder to remember
 * without making them harder to guess.
 */
export const MIN_PASSWORD_LENGTH = 12;
/**
 * SP 800-63B asks verifiers to allow at least 64 characters; the cap only stops someone making the
 * server hash megabytes (argon2 cost grows with input).
 */
export const MAX_PASSWORD_LENGTH = 256;

/**
 * Unicode normalisation (NFKC), as SP 800-63B recommends, applied before hashing *and* before
 * verifying, so the same password typed on two keyboards (composed vs decomposed "č") matches.
 */
export const normalizePassword = (password: string): string => password.normalize('NFKC');

/**
 * The blocklist: zxcvbn's `passwords-common` frequency list (≈49 000 passwords most often found
 * in breach corpora), shipped by the maintained npm package `@zxcvbn-ts/language-common` (MIT),
 * so updating it is a dependency bump. Built on first use, lower-cased.
 */
let blocklist: ReadonlySet<string> | undefined;
const commonPasswords = (): ReadonlySet<string> =>
  (blocklist ??= new Set(dictionary['passwords-common'].map((p) => p.toLowerCase())));

/** Words that identify this service or the account, which guessers try first (SP 800-63B §5.1.1.2). */
const SERVICE_WORDS = ['smspass', 'sipass', 'si-pass', 'sms-pass'];

const commonPassword = (message: string) =>
  new DomainError('invalid_argument', 'accounts.common_password', { message });

/** True when `s` is one shorter unit said over and over (`abcabcabcabc`, `passwordpassword`). */
function repeatsShortUnit(chars: readonly string[]): boolean {
  for (let unit = 1; unit < MIN_PASSWORD_LENGTH && unit <= chars.length / 2; unit++) {
    if (chars.length % unit === 0 && chars.every((c, i) => c === chars[i % unit])) return true;
  }
  return false;
}

/** True for a run like `123456789012` or `lkjihgfedcba`: every character one step from the last. */
function isSequence(chars: readonly string[]): boolean {
  const step = (a: string, b: string) => {
    if (/\d/.test(a) && /\d/.test(b)) return (Number(b) - Number(a) + 10) % 10;
    return b.codePointAt(0)! - a.codePointAt(0)!;
  };
  const first = step(chars[0]!, chars[1]!);
  const dir = first === 9 ? -1 : first;
  if (dir !== 1 && dir !== -1) return false;
  return chars.slice(1).every((c, i) => {
    const s = step(chars[i]!, c);
    return dir === 1 ? s === 1 : s === -1 || s === 9;
  });
}

/**
 * Throws unless a new password meets the rule: 12 to 256 characters counted as code points, not
 * a common or breached password (compared lower-cased, and also with digits and symbols around a
 * common word taken off, so `Password2024!` counts as `password`), not one short unit repeated or a
 * run of consecutive characters, and not built on the account's e-mail name or this service's name.
 * `normalized` comes from {@link normalizePassword}.
 */
export function assertAcceptablePassword(normalized: string, context: { email?: string } = {}): void {
  const chars = [...normalized];
  if (chars.length < MIN_PASSWORD_LENGTH) {
    throw new DomainError('invalid_argument', 'accounts.weak_password', {
      message: `must be at least ${MIN_PASSWORD_LENGTH} characters`,
    });
  }
  if (chars.length > MAX_PASSWORD_LENGTH) {
    throw new DomainError('invalid_argument', 'accounts.password_too_long', {
      message: `must be at most ${MAX_PASSWORD_LENGTH} characters`,
    });
  }
  const lower = normalized.toLowerCase();
  const core = lower.replace(/^[^\p{L}]+|[^\p{L}]+$/gu, '');
  const list = commonPasswords();
  if (list.has(lower) || list.has(lower.replace(/\s+/g, '')) || (core.length >= 4 && list.has(core))) {
    throw commonPassword('is one of the most common passwords');
  }
  const lowerChars = [...lower];
  if (repeatsShortUnit(lowerChars) || isSequence(lowerChars)) {
    throw commonPassword('is a repetition or a sequence of characters');
  }
  const local = context.email?.toLowerCase().split('@')[0] ?? '';
  const words = [...SERVICE_WORDS, ...(local.length >= 4 ? [local] : [])];
  if (words.some((w) => core === w || lower === w || (core.length > 0 && core.replace(w, '').length < 4))) {
    throw commonPassword('is built on the account name or the service name');
  }
}
