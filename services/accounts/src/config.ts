import type { z } from '@idp/config';
import { commonConfig, port } from '@idp/config';
import { databaseConfig } from '@idp/db';

export const AccountsConfig = commonConfig.extend({
  ADMIN_PORT: port.default(9110),
  ...databaseConfig('accounts'),
});
export type AccountsConfig = z.infer<typeof AccountsConfig>;
