import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { waitFor } from '@idp/testing';
import type { Stack } from './stack.js';

export interface SentSms {
  to: string;
  text: string;
}
export interface SentMail {
  to: string;
  subject: string;
  text: string;
}

/** The JSON lines of a development sink; a line still being written is left for the next read. */
function lines<T>(file: string): T[] {
  if (!existsSync(file)) return [];
  const out: T[] = [];
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (!line) continue;
    try {
      out.push(JSON.parse(line) as T);
    } catch {
      // The writer appends one line at a time; a torn read ends with half of one.
    }
  }
  return out;
}

/**
 * What the mesh's development sinks hold (stack.ts points otp-sender's SMS sink and activation's
 * mail sink into the run's directory): what citizens would read on their phone and in their mailbox.
 */
export function sinks(stack: Stack) {
  const sms = () => lines<SentSms>(join(stack.dir, 'dev-sms.jsonl'));
  const mail = () => lines<SentMail>(join(stack.dir, 'dev-mail.jsonl'));
  const smsTo = (phone: string) => sms().filter((m) => m.to === phone);
  const mailsTo = (email: string) => mail().filter((m) => m.to === email);
  return {
    sms,
    mail,
    smsTo,
    mailsTo,
    /** Waits for SMS number `before + 1` to `phone` and returns its 6-digit code. */
    async nextSmsCode(phone: string, before: number): Promise<string> {
      const text = await waitFor(
        `SMS #${before + 1} to ${phone}`,
        () => smsTo(phone)[before]?.text,
        20_000,
        100,
      );
      const code = /(\d{6})(?!.*\d{6})/.exec(text)?.[1];
      if (!code) throw new Error(`no 6-digit code in the SMS: ${text}`);
      return code;
    },
    /** Waits for mail number `n` (1-based) to `email`. */
    nthMail(email: string, n: number): Promise<SentMail> {
      return waitFor(`mail #${n} to ${email}`, () => mailsTo(email)[n - 1], 20_000, 100);
    },
  };
}
