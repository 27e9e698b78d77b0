import { commonConfig, envBool, port, secret, z } from '@idp/config';
import { databaseConfig } from '@idp/db';

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
    /** Until the mail queue is connected: the development file activation mails are written to. */
    MAIL_DEV_SINK_FILE: z.string().min(1).default('var/dev-mail-activation.jsonl'),
    MAIL_LANGUAGE: z.enum(['sl', 'en']).default('sl'),
    /** Named in the SMS that proves the phone. */
    SMS_SERVICE_NAME: z.string().min(1).max(60).default('smsPASS'),
    EXPIRY_SWEEP_SECONDS: z.coerce.number().int().min(1).max(86_400).default(60),
  })
  .superRefine((c, ctx) => {
    if (c.IDP_ENV !== 'development' && !c.ACTIVATION_CODE_HMAC_KEY)
      ctx.addIssue({
        code: 'custom',
        path: ['ACTIVATION_CODE_HMAC_KEY'],
        message: `required when IDP_ENV=${c.IDP_ENV} (only development generates one)`,
      });
  });
export type ActivationConfig = z.infer<typeof ActivationConfig>;

export const requireCrl = (c: ActivationConfig): boolean =>
  c.ACTIVATION_REQUIRE_CRL ?? c.IDP_ENV === 'production';
