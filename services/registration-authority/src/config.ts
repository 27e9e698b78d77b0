import { commonConfig, envBool, port, secret, z } from '@idp/config';

export const RegistrationAuthorityConfig = commonConfig.extend({
  ADMIN_PORT: port.default(9140),
  /** This service's own role; it owns schema `ra` and nothing else. May carry a password. */
  DATABASE_URL: secret(z.string().min(1)),
  DATABASE_SCHEMA: z
    .string()
    .regex(/^[a-z_][a-z0-9_]*$/)
    .default('ra'),
  DATABASE_POOL_MAX: z.coerce.number().int().min(1).max(100).default(10),
  /** Apply pending migrations at start-up; production may run `pnpm migrate` as a release step instead. */
  MIGRATE_ON_START: envBool.default(true),
  /** The officer console: an internal address only, never published to the internet. */
  HTTP_HOST: z.string().min(1).default('127.0.0.1'),
  HTTP_PORT: port.default(8090),
});
export type RegistrationAuthorityConfig = z.infer<typeof RegistrationAuthorityConfig>;
