import type { z } from '@idp/config';
import { commonConfig, port, z as zod } from '@idp/config';

export const NotaryConfig = commonConfig.extend({
  ADMIN_PORT: port.default(9150),
  /** How often a sealing round runs; each seals what arrived since the last checkpoint. */
  SEAL_INTERVAL_MS: zod.coerce.number().int().min(50).max(3_600_000).default(10_000),
  /**
   * Sequence numbers per checkpoint: ~30 bytes of digest each, so 5,000 keeps a checkpoint near
   * 150 KB, well under NATS's 1 MB max_payload. A backlog is sealed over several rounds.
   */
  SEAL_MAX_EVENTS: zod.coerce.number().int().min(1).max(20_000).default(5_000),
  /** The operator page (live statistics): an internal address only, never published to the internet. */
  OPERATOR_HOST: zod.string().min(1).default('127.0.0.1'),
  OPERATOR_PORT: port.default(8095),
});
export type NotaryConfig = z.infer<typeof NotaryConfig>;
