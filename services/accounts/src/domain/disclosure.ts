import { createPublicKey } from 'node:crypto';
import {
  DISCLOSURE_MAX_AGE_MS,
  disclosureSigningBytes,
  verifySignature,
  type AuditorEntry,
  type DisclosureStatement,
} from '@idp/events';

export type DisclosureRefusal = 'unauthenticated' | 'not_authorised' | 'stale';

/**
 * Who may have a field decrypted: an auditor on the roster whose Ed25519 signature covers this exact
 * request, made within five minutes (either side of now, for clock skew), with role `disclosure`.
 * Authentication is checked before the role, so a forged request learns nothing about the roster.
 */
export function checkDisclosureRequest(
  statement: DisclosureStatement,
  signature: string,
  auditor: AuditorEntry | undefined,
  now: Date,
): DisclosureRefusal | undefined {
  if (!auditor) return 'unauthenticated';
  let publicKey;
  try {
    publicKey = createPublicKey(auditor.publicKey);
  } catch {
    return 'unauthenticated';
  }
  if (publicKey.asymmetricKeyType !== 'ed25519') return 'unauthenticated';
  if (!verifySignature(publicKey, disclosureSigningBytes(statement), signature)) return 'unauthenticated';
  const at = Date.parse(statement.requestedAt);
  if (!Number.isFinite(at) || Math.abs(now.getTime() - at) > DISCLOSURE_MAX_AGE_MS) return 'stale';
  if (auditor.role !== 'disclosure') return 'not_authorised';
  return undefined;
}
