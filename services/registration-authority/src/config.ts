import { argon2Config } from '@idp/passwords';
import { commonConfig, envBool, port, secret, z } from '@idp/config';
import { databaseConfig } from '@idp/db';

const seconds = (fallback: number, max = 86_400) => z.coerce.number().int().min(1).max(max).default(fallback);

export const RegistrationAuthorityConfig = commonConfig
  .extend({
    ADMIN_PORT: port.default(9140),
    ...databaseConfig('ra'),
    /** The officer console: an internal address only, never published to the internet. */
    HTTP_HOST: z.string().min(1).default('127.0.0.1'),
    HTTP_PORT: port.default(8090),
    /** Always true in production; a browser treats http://localhost as secure, so development keeps it too. */
    COOKIE_SECURE: envBool.default(true),
    /** 32 bytes, base64: seals the officers' TOTP seeds (AES-256-GCM). Takes precedence over the file. */
    RA_TOTP_KEY: secret(z.string().min(40)).optional(),
    /** The same key in a file (base64); generated on first run outside production when missing. */
    RA_TOTP_KEY_FILE: z.string().min(1).default('var/ra-keys/totp-key'),
    /** What authenticator apps show next to the code. */
    RA_TOTP_ISSUER: z.string().min(1).max(60).default('SI-PASS RA'),
    SESSION_IDLE_SECONDS: seconds(900),
    SESSION_ABSOLUTE_SECONDS: seconds(8 * 3600),
    /** Time allowed between the password and the TOTP (or enrolment) step. */
    LOGIN_STEP_SECONDS: seconds(300, 3600),
    /** Failed passwords and TOTP codes, together, before an officer account is locked. */
    OFFICER_MAX_FAILURES: z.coerce.number().int().min(1).max(100).default(5),
    OFFICER_LOCK_SECONDS: seconds(900),
    ...argon2Config,
  })
  .superRefine((c, ctx) => {
    if (c.IDP_ENV === 'production' && !c.COOKIE_SECURE) {
      ctx.addIssue({ code: 'custom', path: ['COOKIE_SECURE'], message: 'must be true in production' });
    }
  });
export type RegistrationAuthorityConfig = z.infer<typeof RegistrationAuthorityConfig>;
