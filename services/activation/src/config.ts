import { commonConfig, envBool, port, secret, z } from '@idp/config';
import { databaseConfig } from '@idp/db';

/** Comma-separated milliseconds, e.g. `1000,5000,15000`. */
const msList = z
  .string()
  .transform((s) => s.split(',').map((v) => Number(v.trim())))
  .pipe(z.array(z.number().int().min(10).max(3_600_000)).min(1));

/** Comma-separated file paths; empty means none. */
const fileList = z.string().transform((s) =>
  s
    .split(',')
    .map((f) => f.trim())
    .filter(Boolean),
);

export const ActivationConfig = commonConfig
  .extend({
    ADMIN_PORT: port.default(9130),
    ...databaseConfig('activation'),

    /** Required in production; development and test default to the sink. */
    MAIL_TRANSPORT: z.enum(['smtp', 'dev_sink']).optional(),
    MAIL_DEV_SINK_FILE: z.string().min(1).default('var/dev-mail.jsonl'),
    /** The IdP's public base URL: links in mails (confirmation, password reset) point there. */
    MAIL_PUBLIC_BASE_URL: z.string().url().default('http://localhost:8080'),
    /** Sender address, e.g. `smsPASS <no-reply@example.si>`. Required with SMTP. */
    MAIL_FROM: z.string().min(3).optional(),
    /** Unseals mail jobs; must equal the producers' (accounts) value. Required outside development. */
    MAIL_SEAL_KEY: secret(z.string().min(32).optional()),
    /** Development only: where the generated MAIL_SEAL_KEY is kept, shared with accounts. */
    MAIL_DEV_SECRETS_FILE: z.string().min(1).default('var/dev-secrets/mail.json'),
    MAIL_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(30).default(8),
    // Mail may wait: a relay's greylisting or a short outage is worth riding out over minutes.
    MAIL_RETRY_BACKOFF_MS: msList.default([5000, 30_000, 120_000, 300_000, 900_000]),
    /** A job not acknowledged within this time (a crashed worker) is delivered again. */
    MAIL_ACK_WAIT_MS: z.coerce.number().int().min(1000).max(600_000).default(60_000),

    SMTP_HOST: z.string().min(1).optional(),
    SMTP_PORT: port.default(587),
    /** TLS from the first byte (usually port 465). Otherwise STARTTLS when offered. */
    SMTP_SECURE: envBool.default(false),
    /** Refuse to send unless the connection is TLS (STARTTLS required); default true in production. */
    SMTP_REQUIRE_TLS: envBool.optional(),
    SMTP_USER: z.string().min(1).optional(),
    SMTP_PASSWORD: secret(z.string().min(1).optional()),
    SMTP_TIMEOUT_MS: z.coerce.number().int().min(500).max(120_000).default(15_000),

    /** Keys the activation-code HMAC. Required outside development. */
    ACTIVATION_CODE_HMAC_KEY: secret(z.string().min(32).optional()),
    /** Development only: where the generated key is kept so every replica and restart shares it. */
    ACTIVATION_DEV_SECRETS_FILE: z.string().min(1).default('var/dev-secrets/activation.json'),
    /** PEM files of the CAs whose client certificates prove identity (path `certificate`). None: every certificate is refused. */
    ACTIVATION_TRUSTED_CA_FILES: fileList.default([]),
    /** CRL files (PEM or DER) of those CAs, read on every presentation so a new CRL applies at once. */
    ACTIVATION_CRL_FILES: fileList.default([]),
    /** Refuse a certificate whose issuer has no current CRL. Default: on in production only. */
    ACTIVATION_REQUIRE_CRL: envBool.optional(),
    /** Where the postal letters' PDFs are written (the print queue lists them). */
    LETTERS_DIR: z.string().min(1).default('var/letters'),
    MAIL_LANGUAGE: z.enum(['sl', 'en']).default('sl'),
    /** Named in the SMS that proves the phone. */
    SMS_SERVICE_NAME: z.string().min(1).max(60).default('smsPASS'),
    EXPIRY_SWEEP_SECONDS: z.coerce.number().int().min(1).max(86_400).default(60),
  })
  .superRefine((c, ctx) => {
    const problem = (path: string, message: string) =>
      ctx.addIssue({ code: 'custom', path: [path], message });
    const production = c.IDP_ENV === 'production';
    if (c.IDP_ENV !== 'development' && !c.MAIL_SEAL_KEY)
      problem('MAIL_SEAL_KEY', `required when IDP_ENV=${c.IDP_ENV} (only development generates one)`);
    if (production && !c.MAIL_TRANSPORT) problem('MAIL_TRANSPORT', 'required when IDP_ENV=production');
    if (production && c.MAIL_TRANSPORT === 'dev_sink')
      problem('MAIL_TRANSPORT', 'dev_sink writes links to a file and is refused when IDP_ENV=production');
    if (c.MAIL_TRANSPORT === 'smtp' && !c.SMTP_HOST)
      problem('SMTP_HOST', 'required when MAIL_TRANSPORT=smtp');
    if (c.MAIL_TRANSPORT === 'smtp' && !c.MAIL_FROM)
      problem('MAIL_FROM', 'required when MAIL_TRANSPORT=smtp');
    if (Boolean(c.SMTP_USER) !== Boolean(c.SMTP_PASSWORD))
      problem('SMTP_USER', 'set both SMTP_USER and SMTP_PASSWORD, or neither');
    if (c.IDP_ENV !== 'development' && !c.ACTIVATION_CODE_HMAC_KEY)
      ctx.addIssue({
        code: 'custom',
        path: ['ACTIVATION_CODE_HMAC_KEY'],
        message: `required when IDP_ENV=${c.IDP_ENV} (only development generates one)`,
      });
  });
export type ActivationConfig = z.infer<typeof ActivationConfig>;

/** The effective mail transport: the sink unless production (where validation demands a choice). */
export const mailTransport = (c: ActivationConfig): 'smtp' | 'dev_sink' => c.MAIL_TRANSPORT ?? 'dev_sink';

export const requireCrl = (c: ActivationConfig): boolean =>
  c.ACTIVATION_REQUIRE_CRL ?? c.IDP_ENV === 'production';
