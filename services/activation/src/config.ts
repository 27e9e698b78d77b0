import { commonConfig, envBool, port, secret, z } from '@idp/config';

export const ActivationConfig = commonConfig.extend({
  ADMIN_PORT: port.default(9130),
  /** This service's own role; it owns schema `activation` and nothing else. May carry a password. */
  DATABASE_URL: secret(z.string().min(1)),
  DATABASE_SCHEMA: z
    .string()
    .regex(/^[a-z_][a-z0-9_]*$/)
    .default('activation'),
  DATABASE_POOL_MAX: z.coerce.number().int().min(1).max(100).default(10),
  /** Apply pending migrations at start-up; production may run `pnpm migrate` as a release step instead. */
  MIGRATE_ON_START: envBool.default(true),
});
export type ActivationConfig = z.infer<typeof ActivationConfig>;
