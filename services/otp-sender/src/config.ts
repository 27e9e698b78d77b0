import { commonConfig, port, z } from '@idp/config';

export const OtpSenderConfig = commonConfig.extend({
  ADMIN_PORT: port.default(9120),
  REDIS_URL: z.string().min(1).default('redis://127.0.0.1:6379'),
});
export type OtpSenderConfig = z.infer<typeof OtpSenderConfig>;
