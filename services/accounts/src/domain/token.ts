import { createHash, randomBytes } from 'node:crypto';

/** A link token: 32 random bytes, base64url (43 characters). Only its SHA-256 is stored. */
export function newToken(): { token: string; hash: Buffer } {
  const token = randomBytes(32).toString('base64url');
  return { token, hash: hashToken(token) };
}

// Plain SHA-256 is enough: the token has 256 bits of entropy, so there is nothing to brute-force.
export const hashToken = (token: string): Buffer => createHash('sha256').update(token, 'utf8').digest();

export type TokenProblem = 'unknown' | 'used' | 'expired';

/** Why a stored token cannot be spent now, or undefined when it can. */
export function tokenProblem(
  row: { purpose: string; usedAt: Date | null; expiresAt: Date } | undefined,
  purpose: string,
  now: Date,
): TokenProblem | undefined {
  if (!row || row.purpose !== purpose) return 'unknown';
  if (row.usedAt) return 'used';
  if (now >= row.expiresAt) return 'expired';
  return undefined;
}
