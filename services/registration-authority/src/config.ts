import { commonConfig, port, z } from '@idp/config';
import { databaseConfig } from '@idp/db';

export const RegistrationAuthorityConfig = commonConfig.extend({
  ADMIN_PORT: port.default(9140),
  ...databaseConfig('ra'),
  /** The officer console: an internal address only, never published to the internet. */
  HTTP_HOST: z.string().min(1).default('127.0.0.1'),
  HTTP_PORT: port.default(8090),
});
export type RegistrationAuthorityConfig = z.infer<typeof RegistrationAuthorityConfig>;
