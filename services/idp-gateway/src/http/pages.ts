import { timingSafeEqual } from 'node:crypto';
import { ERROR_STATUS, isDomainError, type ErrorCode } from '@idp/events';
import type { Request, Response } from '@idp/web';
import { t, type Lang, type MessageKey } from '../web/i18n.js';
import { renderPage } from '../web/views.js';
import type { BrowserState } from './browser-state.js';

/** Constant-time comparison of a posted CSRF token with the stored one. */
export const sameToken = (a: unknown, b: string | undefined): boolean =>
  typeof a === 'string' &&
  typeof b === 'string' &&
  a.length === b.length &&
  timingSafeEqual(Buffer.from(a), Buffer.from(b));

/** A page that may hold personal data or a form token: never cached. */
export function sendPage(
  res: Response,
  view: string,
  lang: Lang,
  data: Record<string, unknown>,
  status = 200,
): void {
  res
    .status(status)
    .type('html')
    .set('cache-control', 'no-store')
    .send(renderPage(view, lang, data));
}

/** A `?lang=` choice is remembered, as on the login pages. */
export function rememberLang(req: Request, res: Response, browser: BrowserState): Lang {
  if (req.query.lang === 'sl' || req.query.lang === 'en') {
    res.append('set-cookie', browser.langCookie(req.query.lang));
  }
  return browser.lang(req);
}

/** The link that switches the page to the other language (same path, no other query). */
export const langUrl = (req: Request, lang: Lang): string =>
  `${req.path}?lang=${lang === 'sl' ? 'en' : 'sl'}`;

/** A posted form field as a trimmed string, capped (the RPC contracts validate further). */
/** Spaces, dashes, dots and brackets as people type them; a leading 00 means +. */
export const normalisePhone = (s: string): string => s.replace(/[\s\-().]/g, '').replace(/^00/, '+');

/** A form whose CSRF token does not match (expired, or another site's): 403, and a way back to `back`. */
export function sendFormExpired(req: Request, res: Response, lang: Lang, back: string): void {
  req.log.warn({ errorCode: 'saml.csrf_token_invalid', path: req.path }, 'form refused');
  sendPage(
    res,
    'message',
    lang,
    {
      heading: t(lang, 'errorTitle'),
      message: t(lang, 'formExpired'),
      isAlert: true,
      link: { href: back, text: t(lang, 'back') },
    },
    403,
  );
}

export const field = (req: Request, name: string, max = 254): string => {
  const v = (req.body as Record<string, unknown> | undefined)?.[name];
  return typeof v === 'string' ? v.trim().slice(0, max) : '';
};

/** A posted password as typed (never trimmed: spaces may be part of it). */
export const secretField = (req: Request, name: string): string => {
  const v = (req.body as Record<string, unknown> | undefined)?.[name];
  return typeof v === 'string' ? v.slice(0, 1024) : '';
};

/**
 * Where each backend error belongs on a form and what the citizen reads. Codes not listed become the
 * page-level "unavailable" message; the HTTP status always follows the error's kind.
 */
const FIELD_ERRORS: Partial<Record<ErrorCode, { field?: string; key: MessageKey }>> = {
  'accounts.invalid_email': { field: 'email', key: 'errInvalidEmail' },
  'accounts.weak_password': { field: 'password', key: 'errWeakPassword' },
  'accounts.password_too_long': { field: 'password', key: 'errPasswordTooLong' },
  'accounts.common_password': { field: 'password', key: 'errCommonPassword' },
  'accounts.invalid_tax_number': { field: 'taxNumber', key: 'errInvalidTaxNumber' },
  'accounts.tax_number_taken': { field: 'taxNumber', key: 'errTaxNumberTaken' },
  'accounts.invalid_emso': { field: 'emso', key: 'errInvalidEmso' },
  'accounts.emso_birth_date_mismatch': { field: 'emso', key: 'errEmsoMismatch' },
  'accounts.emso_taken': { field: 'emso', key: 'errEmsoTaken' },
  'accounts.too_young': { field: 'birthDate', key: 'errTooYoung' },
  'accounts.invalid_birth_date': { field: 'birthDate', key: 'errInvalidBirthDate' },
  'accounts.invalid_phone': { field: 'phone', key: 'errInvalidPhone' },
  'accounts.terms_outdated': { field: 'terms', key: 'errTermsOutdated' },
  'accounts.invalid_credentials': { field: 'currentPassword', key: 'errCurrentPassword' },
  'accounts.temporarily_locked': { key: 'locked' },
  'accounts.transition_not_allowed': { key: 'errNotAllowed' },
  'activation.code_invalid': { field: 'code', key: 'errCodeInvalid' },
  'activation.code_expired': { field: 'code', key: 'errCodeExpired' },
  'activation.request_blocked': { key: 'errRequestBlocked' },
  'activation.request_exists': { key: 'errRequestExists' },
  'activation.request_expired': { key: 'errRequestExpired' },
  'activation.invalid_transition': { key: 'errNotAllowed' },
  'activation.personal_data_incomplete': { key: 'errPersonalDataIncomplete' },
  'activation.certificate_untrusted': { key: 'errCertificateUntrusted' },
  'activation.certificate_revoked': { key: 'errCertificateRevoked' },
  'activation.certificate_subject_mismatch': { key: 'errCertificateMismatch' },
  'activation.certificate_name_mismatch': { key: 'errCertificateNameMismatch' },
  'activation.correction_unchanged': { key: 'errCorrectionUnchanged' },
  'activation.correction_needs_officer': { field: 'path-ra', key: 'errCorrectionNeedsOfficer' },
  'activation.correction_exists': { key: 'errCorrectionExists' },
  'accounts.last_verified_phone': { key: 'errLastVerifiedPhone' },
  'accounts.phone_not_found': { key: 'errPhoneNotFound' },
  'accounts.phone_not_proven': { key: 'errPhoneNotProven' },
  'otp.destination_not_allowed': { field: 'phone', key: 'errDestinationNotAllowed' },
  'otp.phone_rate_limited': { field: 'phone', key: 'errPhoneRateLimited' },
  'otp.code_invalid': { field: 'smsCode', key: 'errSmsCode' },
  'otp.code_expired': { field: 'smsCode', key: 'codeExpired' },
  'otp.challenge_locked': { field: 'smsCode', key: 'codeLocked' },
};

/** Messages keyed by form field; `_form` is the message about the whole form. */
export type FormErrors = Record<string, string>;

/**
 * A DomainError from a backend as form errors and the status to answer with; anything that is
 * not a DomainError is rethrown (a bug, for the error middleware).
 */
export function formErrors(err: unknown, lang: Lang): { errors: FormErrors; status: number } {
  if (!isDomainError(err)) throw err;
  const hit = FIELD_ERRORS[err.code];
  const status = ERROR_STATUS[err.kind];
  if (!hit) return { errors: { _form: t(lang, 'unavailable') }, status };
  return { errors: { [hit.field ?? '_form']: t(lang, hit.key) }, status };
}

/**
 * A backend error no form can place (an unavailable service, say) as the error page, with the
 * error's status, its code and the correlation id; anything else goes on to the error middleware.
 */
export function showErrorPage(req: Request, res: Response, err: unknown, lang: Lang): boolean {
  if (!isDomainError(err) || res.headersSent) return false;
  const status = ERROR_STATUS[err.kind];
  if (status >= 500) req.log.error({ err, path: req.path }, 'page failed');
  else req.log.warn({ errorCode: err.code, path: req.path }, 'page refused');
  sendPage(
    res,
    'error',
    lang,
    {
      // Not the login pages' "Login not possible": these are the registration and user pages.
      heading: t(lang, status >= 500 ? 'serviceUnavailableTitle' : 'errorTitleGeneric'),
      message: t(lang, status >= 500 ? 'unavailable' : 'errNotAllowed'),
      code: err.code,
      correlationId: req.correlationId,
    },
    status,
  );
  return true;
}
