import { commonConfig, port, secret, z } from '@idp/config';

/** `+386` style country calling codes, comma-separated. */
const countryCodes = z
  .string()
  .transform((s) =>
    s
      .split(',')
      .map((c) => c.trim())
      .filter(Boolean),
  )
  .pipe(z.array(z.string().regex(/^\+[1-9]\d{0,2}$/, 'each entry must look like +386')).min(1));

/** Comma-separated milliseconds, e.g. `1000,5000,15000`. */
const msList = z
  .string()
  .transform((s) => s.split(',').map((v) => Number(v.trim())))
  .pipe(z.array(z.number().int().min(10).max(600_000)).min(1));

const HOSTNAME =
  /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/i;

export const OtpSenderConfig = commonConfig
  .extend({
    ADMIN_PORT: port.default(9120),
    REDIS_URL: z.string().min(1).default('redis://127.0.0.1:6379'),
    /** Host of the public IdP origin, bound into the SMS (`@host #code`) for WebOTP/autofill. No scheme or port. */
    PUBLIC_HOST: z.string().regex(HOSTNAME, 'a host name, without scheme or port').default('localhost'),

    // NIST SP 800-63B §5.1.3.2: an out-of-band secret is invalid after 10 minutes at the latest.
    OTP_TTL_SECONDS: z.coerce.number().int().min(30).max(600).default(300),
    OTP_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(10).default(5),
    OTP_RESEND_COOLDOWN_SECONDS: z.coerce.number().int().min(0).max(600).default(30),
    OTP_MAX_RESENDS: z.coerce.number().int().min(0).max(10).default(3),
    /** How long a finished or expired challenge is kept so status/verify can say why it is over. */
    OTP_RETAIN_SECONDS: z.coerce.number().int().min(0).max(3600).default(600),
    /** SMS-pumping guards: sends per phone and per number prefix in a sliding hour. */
    OTP_PHONE_HOURLY_CAP: z.coerce.number().int().min(1).default(10),
    OTP_PREFIX_HOURLY_CAP: z.coerce.number().int().min(1).default(100),
    OTP_PREFIX_DIGITS: z.coerce.number().int().min(4).max(12).default(7),
    OTP_ALLOWED_COUNTRY_CODES: countryCodes.default(['+386', '+385', '+43', '+39', '+36', '+49']),
    /** Keys the code HMAC (and the SMS seal when SMS_SEAL_KEY is unset). Required outside development. */
    OTP_HMAC_KEY: secret(z.string().min(32).optional()),
    /** Seals SMS jobs and stored numbers (AES-256-GCM, key derived with HKDF). Defaults to OTP_HMAC_KEY. */
    SMS_SEAL_KEY: secret(z.string().min(32).optional()),
    /**
     * Opens the login destinations accounts seals, which must hold the same value (≥ 32 characters).
     * Unset outside development: each login's phone is asked of accounts (get_otp_destination).
     */
    OTP_DESTINATION_KEY: secret(z.string().min(32).optional()),
    /** Development only: where the generated OTP_DESTINATION_KEY is kept, shared with accounts. */
    OTP_DESTINATION_DEV_SECRETS_FILE: z.string().min(1).default('var/dev-secrets/otp-destination.json'),
    /** Development only: where generated keys are kept so every replica and restart shares them. */
    OTP_DEV_SECRETS_FILE: z.string().min(1).default('var/dev-secrets/otp-sender.json'),

    /** Required in production; development and test default to the sink. */
    SMS_TRANSPORT: z.enum(['sns', 'dev_sink']).optional(),
    SMS_DEV_SINK_FILE: z.string().min(1).default('var/dev-sms.jsonl'),
    SMS_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(20).default(5),
    SMS_RETRY_BACKOFF_MS: msList.default([1000, 5000, 15_000, 30_000]),
    /** A job not acknowledged within this time (a crashed worker) is delivered again. */
    SMS_ACK_WAIT_MS: z.coerce.number().int().min(500).max(600_000).default(30_000),

    SNS_REGION: z.string().min(1).optional(),
    /** Overrides the AWS endpoint (a VPC endpoint, or a local SNS-compatible server in tests). */
    SNS_ENDPOINT: z.string().url().optional(),
    /** Alphanumeric sender ID (1–11 characters); not every country accepts one. */
    SNS_SENDER_ID: z
      .string()
      .regex(/^(?=.*[A-Za-z])[A-Za-z0-9]{1,11}$/, '1-11 letters or digits, at least one letter')
      .optional(),
    /** Static credentials; without them the SDK's default chain (env, profile, instance role) is used. */
    SNS_ACCESS_KEY_ID: secret(z.string().min(1).optional()),
    SNS_SECRET_ACCESS_KEY: secret(z.string().min(1).optional()),
    SNS_REQUEST_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(10_000),
  })
  .superRefine((c, ctx) => {
    const problem = (path: string, message: string) =>
      ctx.addIssue({ code: 'custom', path: [path], message });
    const production = c.IDP_ENV === 'production';
    if (c.IDP_ENV !== 'development' && !c.OTP_HMAC_KEY)
      problem('OTP_HMAC_KEY', `required when IDP_ENV=${c.IDP_ENV} (only development generates one)`);
    if (production && !c.SMS_TRANSPORT) problem('SMS_TRANSPORT', 'required when IDP_ENV=production');
    if (production && c.SMS_TRANSPORT === 'dev_sink')
      problem('SMS_TRANSPORT', 'dev_sink writes codes to a file and is refused when IDP_ENV=production');
    if (c.SMS_TRANSPORT === 'sns' && !c.SNS_REGION) problem('SNS_REGION', 'required when SMS_TRANSPORT=sns');
    if (Boolean(c.SNS_ACCESS_KEY_ID) !== Boolean(c.SNS_SECRET_ACCESS_KEY))
      problem('SNS_ACCESS_KEY_ID', 'set both SNS_ACCESS_KEY_ID and SNS_SECRET_ACCESS_KEY, or neither');
  });
export type OtpSenderConfig = z.infer<typeof OtpSenderConfig>;

/** The effective SMS transport: the sink unless production (where config validation demands a choice). */
export const smsTransport = (c: OtpSenderConfig): 'sns' | 'dev_sink' => c.SMS_TRANSPORT ?? 'dev_sink';
