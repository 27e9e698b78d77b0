import { createJsonLinesSink } from '@idp/runtime';
import type { Clock, DevSms, DevSmsReader, SmsTransport } from '../../ports.js';

/**
 * Development only (config refuses it in production): each SMS becomes one JSON line
 * `{"to","text","sentAt"}` in a file people and tests can read, and nothing reaches a phone.
 */
export function createDevSink(file: string, clock: Clock): SmsTransport & DevSmsReader {
  const sink = createJsonLinesSink<DevSms>(file, (line) => {
    const m = line as DevSms;
    if (typeof m.to === 'string' && typeof m.text === 'string' && typeof m.sentAt === 'string')
      return { to: m.to, text: m.text, sentAt: m.sentAt };
    return undefined;
  });
  return {
    name: 'dev_sink',
    async send({ to, text }) {
      await sink.append({ to, text, sentAt: clock.now().toISOString() });
      return {};
    },
    recent: (limit, to) => sink.recent(limit, (m) => !to || m.to === to),
  };
}
