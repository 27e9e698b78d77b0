import type { z } from '@idp/config';
import { commonConfig, port } from '@idp/config';
import { databaseConfig } from '@idp/db';

export const ActivationConfig = commonConfig.extend({
  ADMIN_PORT: port.default(9130),
  ...databaseConfig('activation'),
});
export type ActivationConfig = z.infer<typeof ActivationConfig>;
