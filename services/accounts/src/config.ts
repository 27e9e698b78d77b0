import { argon2Config } from '@idp/passwords';
import { commonConfig, port, secret, z } from '@idp/config';
import { databaseConfig } from '@idp/db';

const count = (fallback: number) => z.coerce.number().int().min(1).max(10_000).default(fallback);
const seconds = (fallback: number) => z.coerce.number().int().min(1).max(86_400).default(fallback);

export const AccountsConfig = commonConfig
  .extend({
    ADMIN_PORT: port.default(9110),
    ...databaseConfig('accounts'),
    // Failed passwords per account (or per unknown account name) before it is locked.
    LOGIN_ACCOUNT_MAX_FAILURES: count(5),
    LOGIN_ACCOUNT_WINDOW_SECONDS: seconds(900),
    LOGIN_ACCOUNT_LOCK_SECONDS: seconds(900),
    // Failed passwords per client address (IPv4 address or IPv6 /64), across all account names:
    // stops one client from spraying a common password over many accounts.
    LOGIN_ADDRESS_MAX_FAILURES: count(20),
    LOGIN_ADDRESS_WINDOW_SECONDS: seconds(900),
    LOGIN_ADDRESS_LOCK_SECONDS: seconds(900),
    /** How often expired throttle rows are deleted (they stop counting when they expire regardless). */
    LOGIN_THROTTLE_SWEEP_SECONDS: seconds(60),
    ...argon2Config,
    /** The terms of use version a registration must accept (the pages show that version). */
    TERMS_VERSION: z.string().min(1).max(40).default('2026-01'),
    EMAIL_CONFIRMATION_TTL_SECONDS: z.coerce
      .number()
      .int()
      .min(600)
      .max(7 * 86_400)
      .default(86_400),
    PASSWORD_RESET_TTL_SECONDS: z.coerce.number().int().min(300).max(86_400).default(3600),
    /**
     * Seals mail jobs (recipient, link tokens) for the activation service's mail worker, which must
     * have the same value. Required outside development.
     */
    MAIL_SEAL_KEY: secret(z.string().min(32).optional()),
    /** Development only: where the generated MAIL_SEAL_KEY is kept, shared with activation. */
    MAIL_DEV_SECRETS_FILE: z.string().min(1).default('var/dev-secrets/mail.json'),
    /**
     * Wraps every person's data key (the keys personal data in events is encrypted with). Losing it
     * loses every encrypted value in the log; required outside development.
     */
    PERSONAL_DATA_MASTER_KEY: secret(z.string().min(32).optional()),
    /**
     * Seals a login's SMS destination for otp-sender, which must hold the same value (≥ 32
     * characters). Unset outside development: otp-sender asks for the phone with get_otp_destination.
     */
    OTP_DESTINATION_KEY: secret(z.string().min(32).optional()),
    /** Development only: where the generated OTP_DESTINATION_KEY is kept, shared with otp-sender. */
    OTP_DESTINATION_DEV_SECRETS_FILE: z.string().min(1).default('var/dev-secrets/otp-destination.json'),
    /** Development only: where the generated PERSONAL_DATA_MASTER_KEY is kept. */
    PERSONAL_DATA_DEV_SECRETS_FILE: z.string().min(1).default('var/dev-secrets/personal-data.json'),
    /** JSON roster of auditors who may ask for disclosures (id, name, role, Ed25519 public key PEM). */
    AUDITORS_FILE: z.string().min(1).default('var/auditors.json'),
  })
  .superRefine((c, ctx) => {
    if (c.IDP_ENV !== 'development' && !c.MAIL_SEAL_KEY)
      ctx.addIssue({
        code: 'custom',
        path: ['MAIL_SEAL_KEY'],
        message: `required when IDP_ENV=${c.IDP_ENV} (only development generates one)`,
      });
    if (c.IDP_ENV !== 'development' && !c.PERSONAL_DATA_MASTER_KEY)
      ctx.addIssue({
        code: 'custom',
        path: ['PERSONAL_DATA_MASTER_KEY'],
        message: `required when IDP_ENV=${c.IDP_ENV} (only development generates one)`,
      });
  });
export type AccountsConfig = z.infer<typeof AccountsConfig>;
