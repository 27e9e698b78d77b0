import { appendFile, mkdir, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { DevMail, DevMailReader, MailTransport } from './transport.js';

/**
 * Development only (config refuses it in production): each mail becomes one JSON line
 * `{"to","subject","text","sentAt"}` in a file people and tests can read, and nothing reaches a
 * mailbox. One appendFile (O_APPEND) per line, so replicas sharing the file do not interleave.
 */
export function createDevMailSink(file: string, now: () => Date): MailTransport & DevMailReader {
  let dirReady: Promise<unknown> | undefined;
  return {
    name: 'dev_sink',
    async send({ to, subject, text }) {
      dirReady ??= mkdir(dirname(file), { recursive: true });
      await dirReady;
      const line: DevMail = { to, subject, text, sentAt: now().toISOString() };
      await appendFile(file, `${JSON.stringify(line)}\n`, 'utf8');
    },
    close: () => undefined,
    async recent(limit, to) {
      let raw: string;
      try {
        raw = await readFile(file, 'utf8');
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
        throw err;
      }
      const out: DevMail[] = [];
      const lines = raw.split('\n');
      for (let i = lines.length - 1; i >= 0 && out.length < limit; i--) {
        const line = lines[i]!.trim();
        if (!line) continue;
        try {
          const m = JSON.parse(line) as DevMail;
          const valid = [m.to, m.subject, m.text, m.sentAt].every((v) => typeof v === 'string');
          if (valid && (!to || m.to === to))
            out.push({ to: m.to, subject: m.subject, text: m.text, sentAt: m.sentAt });
        } catch {
          // A half-written or hand-edited line: skip it rather than hide every other message.
        }
      }
      return out;
    },
  };
}
