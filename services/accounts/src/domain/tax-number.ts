import { DomainError } from '@idp/events';

/** Digits 1–7 are weighted 8..2; see FURS "Entry into the tax register and tax number". */
const WEIGHTS = [8, 7, 6, 5, 4, 3, 2] as const;
const FORMAT = /^[1-9]\d{7}$/;

/** Drops what people type around a tax number: the `SI` VAT prefix and spaces. */
export function normalizeTaxNumber(input: string): string {
  return input.replace(/\s+/g, '').replace(/^si/i, '');
}

/**
 * The mod-11 check digit of the first seven digits, or undefined when none exists: a remainder of
 * 0 would need an 11th digit value, so no tax number is ever issued with those seven digits.
 */
export function taxNumberCheckDigit(first7: string): number | undefined {
  const sum = WEIGHTS.reduce((s, w, i) => s + w * Number(first7[i]), 0);
  const c = 11 - (sum % 11);
  if (c === 11) return undefined;
  return c === 10 ? 0 : c;
}

export type TaxNumberProblem = 'format' | 'checksum';

/** Why a (normalised) tax number is not valid, or undefined when it is. */
export function taxNumberProblem(normalized: string): TaxNumberProblem | undefined {
  if (!FORMAT.test(normalized)) return 'format';
  return taxNumberCheckDigit(normalized.slice(0, 7)) === Number(normalized[7]) ? undefined : 'checksum';
}

export const isValidTaxNumber = (input: string): boolean =>
  taxNumberProblem(normalizeTaxNumber(input)) === undefined;

/** The canonical 8-digit form, or `accounts.invalid_tax_number` saying what is wrong. */
export function parseTaxNumber(input: string): string {
  const normalized = normalizeTaxNumber(input);
  const problem = taxNumberProblem(normalized);
  if (problem === 'format') {
    throw new DomainError('invalid_argument', 'accounts.invalid_tax_number', {
      message: 'must be 8 digits, the first not 0 (an SI prefix and spaces are allowed)',
    });
  }
  if (problem === 'checksum') {
    throw new DomainError('invalid_argument', 'accounts.invalid_tax_number', {
      message: 'fails its checksum',
    });
  }
  return normalized;
}
