import { appendFile, mkdir, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Clock, DevSms, DevSmsReader, SmsTransport } from '../../ports.js';

/**
 * Development only (config refuses it in production): each SMS becomes one JSON line
 * `{"to","text","sentAt"}` in a file people and tests can read, and nothing reaches a phone.
 * Lines are appended with O_APPEND in one write each, so replicas sharing the file do not interleave.
 */
export function createDevSink(file: string, clock: Clock): SmsTransport & DevSmsReader {
  let dirReady: Promise<unknown> | undefined;
  return {
    name: 'dev_sink',
    async send({ to, text }) {
      dirReady ??= mkdir(dirname(file), { recursive: true });
      await dirReady;
      const line: DevSms = { to, text, sentAt: clock.now().toISOString() };
      await appendFile(file, `${JSON.stringify(line)}\n`, 'utf8');
      return {};
    },
    async recent(limit, to) {
      let raw: string;
      try {
        raw = await readFile(file, 'utf8');
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
        throw err;
      }
      const out: DevSms[] = [];
      const lines = raw.split('\n');
      for (let i = lines.length - 1; i >= 0 && out.length < limit; i--) {
        const line = lines[i]!.trim();
        if (!line) continue;
        try {
          const m = JSON.parse(line) as DevSms;
          if (typeof m.to === 'string' && typeof m.text === 'string' && typeof m.sentAt === 'string') {
            if (!to || m.to === to) out.push({ to: m.to, text: m.text, sentAt: m.sentAt });
          }
        } catch {
          // A half-written or hand-edited line: skip it rather than hide every other message.
        }
      }
      return out;
    },
  };
}
