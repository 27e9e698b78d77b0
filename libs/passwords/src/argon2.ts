import { randomBytes } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { hash, parseOptions, verify, type Algorithm, type Options } from '@node-rs/argon2';
import pLimit from 'p-limit';

/** argon2id, run off the event loop. */
export interface PasswordHasher {
  hash(password: string): Promise<string>;
  /**
   * Checks `password` against `hash`; with no hash (unknown account) it checks against a fixed
   * dummy hash and answers false, so an unknown account costs the same time as a wrong password.
   */
  verify(hash: string | undefined, password: string): Promise<boolean>;
  /** True when `hash` was made with other parameters than the current ones. */
  needsRehash(hash: string): boolean;
  /** Hashes and checks being computed now, and those waiting for their turn. */
  load(): { running: number; waiting: number };
}

/** The cost; the services' config defaults are `DEFAULT_ARGON2_PARAMS`. */
export interface Argon2Params {
  memoryKib: number;
  timeCost: number;
  parallelism: number;
}

/**
 * OWASP's first choice (t=2, p=1) with 20 MiB instead of its minimum of 19 MiB, because a block
 * that is a whole number of 2 MiB (transparent huge) pages is cheaper to fill: on the development
 * machine 18, 20 and 22 MiB cost 0.17–0.22 ms of CPU per MiB and pass, 19 and 21 MiB 0.28–0.30 ms
 * (the odd sizes end in a MiB of small pages). A check: 9.4–10.7 ms of CPU at 20 MiB against
 * 13.1–14.6 ms at 19 MiB (`libs/passwords/src/bench.ts`).
 */
export const DEFAULT_ARGON2_PARAMS: Argon2Params = { memoryKib: 20_480, timeCost: 2, parallelism: 1 };

// The enum is declared `const` in the package's types, which isolatedModules cannot inline.
const ARGON2ID = 2 as Algorithm;

export interface HasherOptions {
  /**
   * Hashes and checks computed at once; the rest wait their turn (default: the CPUs this process
   * may use). libuv's pool has four threads, and four 20 MiB hashes on two cores evict each other
   * from the caches: on the development machine a check cost 12.0–13.6 ms of CPU four at once and
   * 10.5–11.5 ms two at once, and finished sooner.
   */
  concurrency?: number;
}

/**
 * argon2id via @node-rs/argon2, whose hash and verify run on libuv's thread pool: a login never
 * blocks the event loop for the ~10 ms a hash costs.
 */
export function createArgon2Hasher(p: Argon2Params, o: HasherOptions = {}): PasswordHasher {
  const limit = pLimit(o.concurrency ?? availableParallelism());
  const options: Options = {
    algorithm: ARGON2ID,
    memoryCost: p.memoryKib,
    timeCost: p.timeCost,
    parallelism: p.parallelism,
  };
  // Made once per process, at start-up, with the current parameters, so checking it costs what
  // checking a real account's hash costs (the first unknown name included). Its password is
  // random and thrown away: nothing can match it.
  const dummy = limit(() => hash(randomBytes(32), options));
  // A failure surfaces on the first verify that needs it, not as an unhandled rejection.
  dummy.catch(() => undefined);

  return {
    hash: (password) => limit(() => hash(password, options)),
    async verify(stored, password) {
      if (stored === undefined) {
        const dummyHash = await dummy;
        await limit(() => verify(dummyHash, password));
        return false;
      }
      return limit(() => verify(stored, password));
    },
    load: () => ({ running: limit.activeCount, waiting: limit.pendingCount }),
    needsRehash(stored) {
      try {
        const o = parseOptions(stored);
        return (
          o.algorithm !== ARGON2ID ||
          o.memoryCost !== p.memoryKib ||
          o.timeCost !== p.timeCost ||
          o.parallelism !== p.parallelism
        );
      } catch {
        return true;
      }
    },
  };
}
