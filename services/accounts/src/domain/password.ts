import { DomainError } from '@idp/events';

/**
 * NIST SP 800-63B: at least 15 characters for single-factor use, at least 8 when the password is
 * one of two factors; we ask 12 of operator-created accounts. No composition rules: they make
 * passwords harder to remember without making them harder to guess.
 */
export const MIN_PASSWORD_LENGTH = 12;

/**
 * Unicode normalisation (NFKC), as SP 800-63B recommends, applied before hashing *and* before
 * verifying, so the same password typed on two keyboards (composed vs decomposed "č") matches.
 */
export const normalizePassword = (password: string): string => password.normalize('NFKC');

/** Throws `accounts.weak_password` unless a new password meets the rule; counts code points. */
export function assertAcceptablePassword(normalized: string): void {
  if ([...normalized].length < MIN_PASSWORD_LENGTH) {
    throw new DomainError('invalid_argument', 'accounts.weak_password', {
      message: `must be at least ${MIN_PASSWORD_LENGTH} characters`,
    });
  }
}
