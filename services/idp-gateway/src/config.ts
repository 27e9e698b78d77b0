import { commonConfig, envBool, port, z } from '@idp/config';

export const GatewayConfig = commonConfig.extend({
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
});
export type GatewayConfig = z.infer<typeof GatewayConfig>;
