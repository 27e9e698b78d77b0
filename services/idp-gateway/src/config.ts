import { commonConfig, envBool, port, secret, z } from '@idp/config';
import type { AbuseLimitPolicy } from './http/abuse-limits.js';

const limitMax = (fallback: number) => z.coerce.number().int().min(1).max(100_000).default(fallback);
const limitWindow = (fallback: number) => z.coerce.number().int().min(1).max(86_400).default(fallback);

export const GatewayConfig = commonConfig
  .extend({
    ADMIN_PORT: port.default(9100),
    HTTP_HOST: z.string().min(1).default('127.0.0.1'),
    HTTP_PORT: port.default(8080),
    /** The origin citizens' browsers see; SAML endpoints and links are built from it. */
    PUBLIC_URL: z.string().url().default('http://localhost:8080'),
    REDIS_URL: z.string().min(1).default('redis://127.0.0.1:6379'),
    /** Set when a reverse proxy terminates TLS in front of the gateway (express `trust proxy`). */
    TRUST_PROXY: envBool.default(false),
    /** Defaults to `<PUBLIC_URL>/saml/metadata`. Changing it breaks every SP's trust: pick it once. */
    IDP_ENTITY_ID: z.string().min(1).max(1024).optional(),
    /** PEM files. In development they are generated on first run when missing; production must provide them. */
    IDP_SIGNING_KEY_FILE: z.string().min(1).default('var/idp-keys/signing-key.pem'),
    IDP_SIGNING_CERT_FILE: z.string().min(1).default('var/idp-keys/signing-cert.pem'),
    /** Require every AuthnRequest/LogoutRequest to be signed, whatever the SP metadata says. */
    IDP_REQUIRE_SIGNED_REQUESTS: envBool.default(false),
    SAML_CLOCK_SKEW_SECONDS: z.coerce.number().int().min(0).max(600).default(180),
    /** Where operators drop `<name>.metadata.xml` + `<name>.policy.json` (or use `pnpm idp sp add`). */
    SP_REGISTRY_DIR: z.string().min(1).default('var/sp-registry'),
    SP_REGISTRY_POLL_MS: z.coerce.number().int().min(100).default(5000),
    /**
     * Keys the pairwise persistent NameIDs (HMAC of person + SP). Changing it changes every
     * citizen's NameID at every SP. Development has a fixed default; production must set it.
     */
    NAMEID_PAIRWISE_SECRET: secret(z.string().min(32)).optional(),
    LOGIN_TRANSACTION_SECONDS: z.coerce.number().int().min(60).max(3600).default(900),
    SESSION_IDLE_SECONDS: z.coerce.number().int().min(60).default(1800),
    SESSION_ABSOLUTE_SECONDS: z.coerce
      .number()
      .int()
      .min(300)
      .default(8 * 3600),
    /** Always true in production; a browser treats http://localhost as secure, so development keeps it too. */
    COOKIE_SECURE: envBool.default(true),
    /** Where the terms of use can be read (linked from the registration page). */
    TERMS_URL: z.string().url().optional(),
    // Abuse limits on the anonymous pages that mail someone or create accounts: requests per client
    // address (IPv4 address or IPv6 /64, as TRUST_PROXY resolves it) and per target e-mail address
    // within a sliding window. Every post that reaches accounts counts, refused ones included.
    LIMIT_REGISTER_ADDRESS_MAX: limitMax(10),
    LIMIT_REGISTER_ADDRESS_WINDOW_SECONDS: limitWindow(3600),
    LIMIT_REGISTER_EMAIL_MAX: limitMax(3),
    LIMIT_REGISTER_EMAIL_WINDOW_SECONDS: limitWindow(3600),
    LIMIT_CONFIRM_ADDRESS_MAX: limitMax(20),
    LIMIT_CONFIRM_ADDRESS_WINDOW_SECONDS: limitWindow(3600),
    LIMIT_FORGOT_ADDRESS_MAX: limitMax(10),
    LIMIT_FORGOT_ADDRESS_WINDOW_SECONDS: limitWindow(3600),
    LIMIT_FORGOT_EMAIL_MAX: limitMax(3),
    LIMIT_FORGOT_EMAIL_WINDOW_SECONDS: limitWindow(3600),
    LIMIT_RESET_ADDRESS_MAX: limitMax(20),
    LIMIT_RESET_ADDRESS_WINDOW_SECONDS: limitWindow(3600),
    /** Optional HTTPS listener that asks for a TLS client certificate (smsPASS path `certificate`). */
    MTLS_PORT: port.optional(),
    MTLS_HOST: z.string().min(1).optional(),
    /** The server key and certificate of the mTLS listener, PEM. */
    MTLS_KEY_FILE: z.string().min(1).optional(),
    MTLS_CERT_FILE: z.string().min(1).optional(),
    /** CAs the listener names in its CertificateRequest (browsers then offer only matching certificates). */
    MTLS_CA_FILE: z.string().min(1).optional(),
    /** The mTLS listener's origin as browsers see it; defaults to https://<PUBLIC_URL host>:<MTLS_PORT>. */
    MTLS_PUBLIC_URL: z.string().url().optional(),
    /**
     * Header in which a TLS-terminating proxy forwards the client certificate as URL-encoded PEM
     * (nginx `$ssl_client_escaped_cert`). Believed only with TRUST_PROXY, from the trusted proxy.
     */
    TRUSTED_CLIENT_CERT_HEADER: z
      .string()
      .regex(/^[A-Za-z0-9-]{1,64}$/)
      .optional(),
  })
  .superRefine((c, ctx) => {
    if (c.IDP_ENV === 'production' && !c.NAMEID_PAIRWISE_SECRET) {
      ctx.addIssue({ code: 'custom', path: ['NAMEID_PAIRWISE_SECRET'], message: 'required in production' });
    }
    if (c.MTLS_PORT !== undefined && (!c.MTLS_KEY_FILE || !c.MTLS_CERT_FILE)) {
      ctx.addIssue({
        code: 'custom',
        path: ['MTLS_PORT'],
        message: 'needs MTLS_KEY_FILE and MTLS_CERT_FILE',
      });
    }
    if (c.IDP_ENV === 'production' && !c.COOKIE_SECURE) {
      ctx.addIssue({ code: 'custom', path: ['COOKIE_SECURE'], message: 'must be true in production' });
    }
  });
export type GatewayConfig = z.infer<typeof GatewayConfig>;

/** The LIMIT_* settings as the abuse limiter takes them. */
export function abuseLimitPolicy(c: GatewayConfig): AbuseLimitPolicy {
  const w = (max: number, seconds: number) => ({ max, windowMs: seconds * 1000 });
  return {
    register: {
      address: w(c.LIMIT_REGISTER_ADDRESS_MAX, c.LIMIT_REGISTER_ADDRESS_WINDOW_SECONDS),
      email: w(c.LIMIT_REGISTER_EMAIL_MAX, c.LIMIT_REGISTER_EMAIL_WINDOW_SECONDS),
    },
    register_confirm: {
      address: w(c.LIMIT_CONFIRM_ADDRESS_MAX, c.LIMIT_CONFIRM_ADDRESS_WINDOW_SECONDS),
    },
    password_forgot: {
      address: w(c.LIMIT_FORGOT_ADDRESS_MAX, c.LIMIT_FORGOT_ADDRESS_WINDOW_SECONDS),
      email: w(c.LIMIT_FORGOT_EMAIL_MAX, c.LIMIT_FORGOT_EMAIL_WINDOW_SECONDS),
    },
    password_reset: {
      address: w(c.LIMIT_RESET_ADDRESS_MAX, c.LIMIT_RESET_ADDRESS_WINDOW_SECONDS),
    },
  };
}
