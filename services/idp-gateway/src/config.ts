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
});
export type GatewayConfig = z.infer<typeof GatewayConfig>;
