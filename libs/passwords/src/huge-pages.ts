import { readFileSync } from 'node:fs';

/** Linux's transparent-huge-page mode (`/sys/kernel/mm/transparent_hugepage/enabled`). */
export type HugePageMode = 'always' | 'madvise' | 'never';

export const TRANSPARENT_HUGE_PAGES_FILE = '/sys/kernel/mm/transparent_hugepage/enabled';

/**
 * The kernel's transparent-huge-page mode, or undefined where it cannot be read (not Linux, or a
 * sandbox without /sys). `@node-rs/argon2` asks for huge pages for each hash's memory (madvise);
 * with the mode at `never` every 20 MiB block is faulted in 4 KiB pages and a password check costs
 * about twice the CPU (20.6 against 10.2 ms on the development machine).
 */
export function transparentHugePages(file = TRANSPARENT_HUGE_PAGES_FILE): HugePageMode | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  return /\[(always|madvise|never)\]/.exec(text)?.[1] as HugePageMode | undefined;
}
