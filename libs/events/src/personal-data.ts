import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { z } from 'zod';

const IV_BYTES = 12;
const TAG_BYTES = 16;
const Base64Url = z.string().regex(/^[A-Za-z0-9_-]+$/);

/**
 * A personal-data field as it travels in an event: AES-256-GCM under the person's own key, which only
 * the accounts service holds. Destroying that key erases the value from every copy of the log while
 * the event bytes (and so their signatures) stay as they were. `ct` is the ciphertext followed by the
 * 16-byte tag, as in JWE's compact form.
 */
export const EncryptedField = z.object({
  pd: z.literal(1),
  /** The person key's id (not the account id: a key can be replaced without renaming the person). */
  kid: z.string().min(1).max(64),
  alg: z.literal('A256GCM'),
  /** base64url, 12 bytes */
  iv: Base64Url.length(16),
  /** base64url of ciphertext ‖ tag */
  ct: Base64Url.min(22).max(4096),
});
export type EncryptedField = z.infer<typeof EncryptedField>;

/** What a ciphertext is bound to: it opens only in the event, field and account it was made for. */
export interface FieldBinding {
  /** The event's subject, e.g. `idp.account.personal_data_changed.v1`. */
  subject: string;
  /** The field's name as the event states it (e.g. `family_name`). */
  field: string;
  accountId: string;
}

/** The associated data: versioned and unambiguous (JSON of a fixed array, so no separator can be forged). */
const aad = (b: FieldBinding, kid: string): Buffer =>
  Buffer.from(JSON.stringify(['idp-pd-1', b.subject, b.field, b.accountId, kid]), 'utf8');

/** Encrypts `plaintext` under a person's 32-byte key, bound to `binding`. */
export function encryptField(
  key: Buffer,
  kid: string,
  plaintext: string,
  binding: FieldBinding,
): EncryptedField {
  if (key.length !== 32) throw new Error('a person key must be 32 bytes');
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(aad(binding, kid));
  const ct = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final(), cipher.getAuthTag()]);
  return { pd: 1, kid, alg: 'A256GCM', iv: iv.toString('base64url'), ct: ct.toString('base64url') };
}

/**
 * Opens a field with the person's key. Throws when the key is another one, the value was altered, or
 * it is presented for another event subject, field or account than it was made for.
 */
export function decryptField(key: Buffer, value: EncryptedField, binding: FieldBinding): string {
  if (key.length !== 32) throw new Error('a person key must be 32 bytes');
  const raw = Buffer.from(value.ct, 'base64url');
  if (raw.length < TAG_BYTES) throw new Error('not an encrypted field');
  const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(value.iv, 'base64url'));
  decipher.setAAD(aad(binding, value.kid));
  decipher.setAuthTag(raw.subarray(raw.length - TAG_BYTES));
  return Buffer.concat([decipher.update(raw.subarray(0, raw.length - TAG_BYTES)), decipher.final()]).toString(
    'utf8',
  );
}

export const isEncryptedField = (v: unknown): v is EncryptedField => EncryptedField.safeParse(v).success;

/**
 * The encrypted fields of an event's data, by the name their ciphertext is bound to: a property
 * holding an {@link EncryptedField} is named by its key; a list entry `{ field, value }` whose value
 * is one is named by `field` (how `personal_data_changed` lists its changes). Producers name fields
 * this way so readers (the audit CLI) find the binding without knowing each schema.
 */
export function encryptedFields(data: unknown): { field: string; value: EncryptedField }[] {
  const out: { field: string; value: EncryptedField }[] = [];
  const walk = (v: unknown, name: string | undefined) => {
    if (isEncryptedField(v)) {
      if (name !== undefined) out.push({ field: name, value: v });
      return;
    }
    if (Array.isArray(v)) {
      for (const item of v) {
        const entry = item as { field?: unknown; value?: unknown } | null;
        if (entry && typeof entry.field === 'string' && isEncryptedField(entry.value))
          out.push({ field: entry.field, value: entry.value });
        else walk(item, undefined);
      }
      return;
    }
    if (v && typeof v === 'object') for (const [k, child] of Object.entries(v)) walk(child, k);
  };
  walk(data, undefined);
  return out;
}

/** Personal data that can change on an account; each travels only as an {@link EncryptedField}. */
export const PersonalDataField = z.enum([
  'given_name',
  'family_name',
  'birth_date',
  'emso',
  'tax_number',
  'address',
]);
export type PersonalDataField = z.infer<typeof PersonalDataField>;

/** How old (or how far in the future) a signed disclosure request may be. */
export const DISCLOSURE_MAX_AGE_MS = 5 * 60_000;

/** The parts of a disclosure request the auditor's signature covers. */
export interface DisclosureStatement {
  auditorId: string;
  eventId: string;
  subject: string;
  accountId: string;
  field: string;
  value: EncryptedField;
  reason: string;
  /** RFC 3339; requests older than {@link DISCLOSURE_MAX_AGE_MS} are refused. */
  requestedAt: string;
}

/**
 * The exact bytes an auditor signs (Ed25519) to ask for a disclosure: JSON of a fixed-order array, so
 * signer and checker need no canonical JSON and no field can move into another.
 */
export function disclosureSigningBytes(s: DisclosureStatement): Buffer {
  return Buffer.from(
    JSON.stringify([
      'idp-disclosure-1',
      s.auditorId,
      s.eventId,
      s.subject,
      s.accountId,
      s.field,
      s.value.kid,
      s.value.iv,
      s.value.ct,
      s.reason,
      s.requestedAt,
    ]),
    'utf8',
  );
}

/**
 * One auditor in the roster the accounts service holds (`AUDITORS_FILE`, a JSON array). Only role
 * `disclosure` may have personal data decrypted; `read_only` auditors replay and verify the log.
 */
export const AuditorEntry = z.object({
  id: z
    .string()
    .min(1)
    .max(100)
    .regex(/^[A-Za-z0-9._@-]+$/),
  name: z.string().min(1).max(200),
  role: z.enum(['disclosure', 'read_only']),
  /** SPKI PEM of the auditor's Ed25519 public key (`pnpm idp audit auditor-key`). */
  publicKey: z.string().includes('BEGIN PUBLIC KEY'),
});
export type AuditorEntry = z.infer<typeof AuditorEntry>;
export const AuditorRoster = z.array(AuditorEntry);
