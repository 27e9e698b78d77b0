import { appendFile, mkdir, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';

/**
 * A development sink: one JSON object per line in a file people and tests can read, in place of a
 * real delivery (mail, SMS). One appendFile (O_APPEND) per line, so replicas sharing the file do
 * not interleave.
 */
export interface JsonLinesSink<T> {
  append(record: T): Promise<void>;
  /** Newest first, at most `limit`, only records `match` accepts; none when the file does not exist. */
  recent(limit: number, match?: (record: T) => boolean): Promise<T[]>;
}

/**
 * `parse` turns a parsed line into a record, or undefined when the line is not one (it may throw on
 * `null` or a non-object: such a line is skipped like one that is not JSON).
 */
export function createJsonLinesSink<T>(
  file: string,
  parse: (line: unknown) => T | undefined,
): JsonLinesSink<T> {
  let dirReady: Promise<unknown> | undefined;
  return {
    async append(record) {
      dirReady ??= mkdir(dirname(file), { recursive: true });
      await dirReady;
      await appendFile(file, `${JSON.stringify(record)}\n`, 'utf8');
    },
    async recent(limit, match) {
      let raw: string;
      try {
        raw = await readFile(file, 'utf8');
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
        throw err;
      }
      const out: T[] = [];
      const lines = raw.split('\n');
      for (let i = lines.length - 1; i >= 0 && out.length < limit; i--) {
        const line = lines[i]!.trim();
        if (!line) continue;
        try {
          const record = parse(JSON.parse(line));
          if (record !== undefined && (!match || match(record))) out.push(record);
        } catch {
          // A half-written or hand-edited line: skip it rather than hide every other message.
        }
      }
      return out;
    },
  };
}
