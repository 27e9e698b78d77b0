import { generateSecret, generateSync, generateURI, verifySync } from 'otplib';

/** RFC 6238 as every authenticator app speaks it: SHA-1, 6 digits, 30-second steps. */
export const TOTP_PERIOD_SECONDS = 30;

export type TotpCheck =
  | { ok: true; timeStep: number }
  /** `reused`: right code, but its time step was already used for a login (a replayed code). */
  | { ok: false; reason: 'malformed' | 'wrong' | 'reused' };

/** A fresh base32 secret (160 bits from a CSPRNG) for an officer's authenticator app. */
export const newTotpSecret = (): string => generateSecret({ length: 20 });

/** The `otpauth://totp/…` URI an authenticator app reads from the enrolment QR code. */
export const totpUri = (o: { issuer: string; account: string; secret: string }): string =>
  generateURI({ issuer: o.issuer, label: o.account, secret: o.secret, period: TOTP_PERIOD_SECONDS });

/** The code an app would show at `now` (tests and the enrolment page's self-check use it). */
export const totpCode = (secret: string, now: Date): string =>
  generateSync({ secret, epoch: Math.floor(now.getTime() / 1000), period: TOTP_PERIOD_SECONDS });

/**
 * Checks a typed code against the current time step and one step either side (clock drift and
 * the seconds it takes to type). A code whose step is not after `lastUsedStep` is refused even if
 * right: a code seen over a shoulder or replayed from a log must not open a second session.
 */
export function checkTotp(o: {
  secret: string;
  code: string;
  now: Date;
  lastUsedStep: number | null;
}): TotpCheck {
  const code = o.code.replace(/\s+/g, '');
  if (!/^\d{6}$/.test(code)) return { ok: false, reason: 'malformed' };
  const r = verifySync({
    secret: o.secret,
    token: code,
    epoch: Math.floor(o.now.getTime() / 1000),
    period: TOTP_PERIOD_SECONDS,
    // One period of tolerance each way: the steps before and after the current one.
    epochTolerance: TOTP_PERIOD_SECONDS,
  });
  if (!r.valid) return { ok: false, reason: 'wrong' };
  const timeStep = (r as { timeStep: number }).timeStep;
  if (o.lastUsedStep !== null && timeStep <= o.lastUsedStep) return { ok: false, reason: 'reused' };
  return { ok: true, timeStep };
}
