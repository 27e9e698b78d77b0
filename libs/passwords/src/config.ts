import { z } from '@idp/config';
import type { Argon2Params } from './argon2.js';

/**
 * The argon2id cost settings, spread into each password-keeping service's config. The defaults are
 * OWASP's (m=19 MiB, t=2, p=1); the floor is OWASP's weakest equivalent (m=7 MiB with t=5), so a
 * typo cannot make the hashes cheap to crack.
 */
export const argon2Config = {
  ARGON2_MEMORY_KIB: z.coerce.number().int().min(7168).max(1_048_576).default(19_456),
  ARGON2_TIME_COST: z.coerce.number().int().min(1).max(20).default(2),
  ARGON2_PARALLELISM: z.coerce.number().int().min(1).max(16).default(1),
};

export const argon2Params = (c: {
  ARGON2_MEMORY_KIB: number;
  ARGON2_TIME_COST: number;
  ARGON2_PARALLELISM: number;
}): Argon2Params => ({
  memoryKib: c.ARGON2_MEMORY_KIB,
  timeCost: c.ARGON2_TIME_COST,
  parallelism: c.ARGON2_PARALLELISM,
});
