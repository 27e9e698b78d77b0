import { z } from '@idp/config';
import { DEFAULT_ARGON2_PARAMS, type Argon2Params } from './argon2.js';

/**
 * The argon2id cost settings, spread into each password-keeping service's config. The defaults are
 * `DEFAULT_ARGON2_PARAMS` (OWASP's t=2, p=1 with 20 MiB); the floor is OWASP's weakest equivalent (m=7 MiB with t=5), so a
 * typo cannot make the hashes cheap to crack.
 */
export const argon2Config = {
  ARGON2_MEMORY_KIB: z.coerce
    .number()
    .int()
    .min(7168)
    .max(1_048_576)
    .default(DEFAULT_ARGON2_PARAMS.memoryKib),
  ARGON2_TIME_COST: z.coerce.number().int().min(1).max(20).default(DEFAULT_ARGON2_PARAMS.timeCost),
  ARGON2_PARALLELISM: z.coerce.number().int().min(1).max(16).default(DEFAULT_ARGON2_PARAMS.parallelism),
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
