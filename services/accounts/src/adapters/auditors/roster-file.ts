import { readFile } from 'node:fs/promises';
import { AuditorRoster, DomainError, type AuditorEntry } from '@idp/events';
import type { AuditorDirectory } from '../../ports.js';

/** Reads and checks a roster file; a missing file is an empty roster (nobody may ask). */
export async function readAuditorRoster(file: string): Promise<AuditorEntry[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const roster = AuditorRoster.parse(JSON.parse(text));
  const ids = new Set(roster.map((a) => a.id));
  if (ids.size !== roster.length) throw new Error(`${file} names an auditor id twice`);
  return roster;
}

/**
 * The roster as held in `AUDITORS_FILE`, re-read on every request: adding or removing an auditor
 * takes effect without a restart, and disclosures are rare enough that the read costs nothing.
 */
export function rosterFileDirectory(file: string): AuditorDirectory {
  return {
    async find(id) {
      try {
        return (await readAuditorRoster(file)).find((a) => a.id === id);
      } catch (cause) {
        throw new DomainError('internal', 'rpc.internal', {
          cause,
          message: `auditor roster ${file} is unusable`,
        });
      }
    },
  };
}

/** A fixed roster (tests). */
export const staticDirectory = (roster: readonly AuditorEntry[]): AuditorDirectory => ({
  find: async (id) => roster.find((a) => a.id === id),
});
