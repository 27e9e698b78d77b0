import type { z } from '@idp/config';
import { DomainError, IdDocumentType } from '@idp/events';

export type IdDocumentTypeName = z.infer<typeof IdDocumentType>;

/** What the officer recorded about the document in front of them; never a scan or a photo. */
export interface IdDocument {
  type: IdDocumentTypeName;
  /** Upper-case letters and digits, spaces and dashes dropped. */
  number: string;
  /** `YYYY-MM-DD` */
  expiresOn: string;
}

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** `YYYY-MM-DD` of `now` in Slovenia: a document valid "until today" is still valid today at the desk. */
export const localDate = (now: Date, timeZone = 'Europe/Ljubljana'): string =>
  new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(
    now,
  );

const isCalendarDate = (s: string): boolean => {
  const m = DATE.exec(s);
  if (!m) return false;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return d.toISOString().slice(0, 10) === s;
};

/**
 * Checks the form fields: a known type, a plausible number (5–20 letters/digits), a real date
 * that is today or later. An expired document does not prove an identity.
 */
export function parseIdDocument(
  input: { type: unknown; number: unknown; expiresOn: unknown },
  now: Date,
): IdDocument {
  const type = IdDocumentType.safeParse(input.type);
  if (!type.success) throw invalid('document type');
  const number = typeof input.number === 'string' ? input.number.replace(/[\s-]+/g, '').toUpperCase() : '';
  if (!/^[A-Z0-9]{5,20}$/.test(number)) throw invalid('document number');
  const expiresOn = typeof input.expiresOn === 'string' ? input.expiresOn.trim() : '';
  if (!isCalendarDate(expiresOn)) throw invalid('expiry date');
  // ISO dates compare correctly as strings.
  if (expiresOn < localDate(now)) {
    throw new DomainError('precondition', 'ra.document_expired', { message: 'the document has expired' });
  }
  return { type: type.data, number, expiresOn };
}

const invalid = (what: string) =>
  new DomainError('invalid_argument', 'ra.invalid_form', { message: `invalid ${what}` });

/** A reason for a rejection, suspension or reinstatement: said in words, 3 to 500 characters. */
export function parseReason(input: unknown): string {
  const reason = typeof input === 'string' ? input.trim().replace(/\s+/g, ' ') : '';
  if (reason.length < 3 || reason.length > 500) throw invalid('reason');
  return reason;
}
