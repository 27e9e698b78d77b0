import { createJsonLinesSink } from '@idp/runtime';
import type { DevMail, DevMailReader, MailTransport } from './transport.js';

/**
 * Development only (config refuses it in production): each mail becomes one JSON line
 * `{"to","subject","text","sentAt"}` in a file people and tests can read, and nothing reaches a
 * mailbox.
 */
export function createDevMailSink(file: string, now: () => Date): MailTransport & DevMailReader {
  const sink = createJsonLinesSink<DevMail>(file, (line) => {
    const m = line as DevMail;
    const valid = [m.to, m.subject, m.text, m.sentAt].every((v) => typeof v === 'string');
    return valid ? { to: m.to, subject: m.subject, text: m.text, sentAt: m.sentAt } : undefined;
  });
  return {
    name: 'dev_sink',
    async send({ to, subject, text }) {
      await sink.append({ to, subject, text, sentAt: now().toISOString() });
    },
    close: () => undefined,
    recent: (limit, to) => sink.recent(limit, (m) => !to || m.to === to),
  };
}
