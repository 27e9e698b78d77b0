import { z } from '@idp/config';
import { Gauge, type Registry } from '@idp/observability';
import {
  createArgon2Hasher,
  DEFAULT_ARGON2_PARAMS,
  type Argon2Params,
  type PasswordHasher,
} from './argon2.js';
import { transparentHugePages, type HugePageMode } from './huge-pages.js';

/**
 * The argon2id cost settings, spread into each password-keeping service's config. The defaults are
 * `DEFAULT_ARGON2_PARAMS` (OWASP's t=2, p=1 with 20 MiB); the floor is OWASP's weakest equivalent
 * (m=7 MiB with t=5), so a typo cannot make the hashes cheap to crack.
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
  /** Hashes computed at once per process; unset: the CPUs the process may use. */
  ARGON2_CONCURRENCY: z.coerce.number().int().min(1).max(64).optional(),
};

interface Argon2Settings {
  ARGON2_MEMORY_KIB: number;
  ARGON2_TIME_COST: number;
  ARGON2_PARALLELISM: number;
  ARGON2_CONCURRENCY?: number | undefined;
}

export const argon2Params = (c: Argon2Settings): Argon2Params => ({
  memoryKib: c.ARGON2_MEMORY_KIB,
  timeCost: c.ARGON2_TIME_COST,
  parallelism: c.ARGON2_PARALLELISM,
});

export interface HasherEnvironment {
  /** Told once, at start-up, when the kernel makes password checks cost double. */
  warn?: (details: Record<string, unknown>, message: string) => void;
  /** The kernel's transparent-huge-page mode (default: read from /sys). */
  hugePages?: HugePageMode | undefined;
}

/**
 * The hasher a service's config asks for (its cost, how many hashes run at once), with its load
 * as `idp_password_hashes{state="running"|"waiting"}` in `registry`, and the kernel's huge-page
 * mode as `idp_password_hash_huge_pages{mode}` (a check costs double with `never`).
 */
export function argon2HasherFromConfig(
  c: Argon2Settings,
  registry: Registry,
  env: HasherEnvironment = {},
): PasswordHasher {
  const hugePages = 'hugePages' in env ? env.hugePages : transparentHugePages();
  if (hugePages === 'never')
    env.warn?.(
      { transparentHugePages: hugePages },
      'transparent huge pages are off: each password check costs about twice the CPU; ' +
        'set /sys/kernel/mm/transparent_hugepage/enabled to madvise (the usual default)',
    );
  new Gauge({
    name: 'idp_password_hash_huge_pages',
    help:
      "1 for the kernel's transparent-huge-page mode (always, madvise, never, unknown); " +
      'with never, argon2id memory comes in 4 KiB pages and a password check costs about twice the CPU.',
    labelNames: ['mode'],
    registers: [registry],
  }).set({ mode: hugePages ?? 'unknown' }, 1);
  const hasher = createArgon2Hasher(
    argon2Params(c),
    c.ARGON2_CONCURRENCY === undefined ? {} : { concurrency: c.ARGON2_CONCURRENCY },
  );
  new Gauge({
    name: 'idp_password_hashes',
    help: 'argon2id hashes and checks being computed (running) and queued for a turn (waiting).',
    labelNames: ['state'],
    registers: [registry],
    collect() {
      const { running, waiting } = hasher.load();
      this.set({ state: 'running' }, running);
      this.set({ state: 'waiting' }, waiting);
    },
  });
  return hasher;
}
