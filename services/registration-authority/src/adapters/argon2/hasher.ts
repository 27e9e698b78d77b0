import { randomBytes } from 'node:crypto';
import { hash, verify, type Algorithm, type Options } from '@node-rs/argon2';
import type { PasswordHasher } from '../../ports.js';

export interface Argon2Params {
  memoryKib: number;
  timeCost: number;
  parallelism: number;
}

// The enum is declared `const` in the package's types, which isolatedModules cannot inline.
const ARGON2ID = 2 as Algorithm;

/** argon2id via @node-rs/argon2 (libuv's thread pool): a login never blocks the event loop. */
export function createArgon2Hasher(p: Argon2Params): PasswordHasher {
  const options: Options = {
    algorithm: ARGON2ID,
    memoryCost: p.memoryKib,
    timeCost: p.timeCost,
    parallelism: p.parallelism,
  };
  // An unknown e-mail is checked against this, so it costs what a wrong password costs.
  const dummy = hash(randomBytes(32), options);
  dummy.catch(() => undefined);
  return {
    hash: (password) => hash(password, options),
    async verify(stored, password) {
      if (stored === undefined) {
        await verify(await dummy, password);
        return false;
      }
      return verify(stored, password);
    },
  };
}
