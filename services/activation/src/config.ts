import { commonConfig, envBool, port, secret, z } from '@idp/config';
import { databaseConfig } from '@idp/db';

/** Comma-separated milliseconds, e.g. `1000,5000,15000`. */
const msList = z
  .string()
  .transform((s) => s.split(',').map((v) => Number(v.trim())))
  .pipe(z.array(z.number().int().min(10).max(3_600_000)).min(1));

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
  });
export type ActivationConfig = z.infer<typeof ActivationConfig>;

/** The effective mail transport: the sink unless production (where validation demands a choice). */
export const mailTransport = (c: ActivationConfig): 'smtp' | 'dev_sink' => c.MAIL_TRANSPORT ?? 'dev_sink';
