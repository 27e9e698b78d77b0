import nodemailer from 'nodemailer';
import { MailSendError, type MailTransport } from './transport.js';

export interface SmtpSettings {
  host: string;
  port: number;
  /** TLS from the first byte (port 465); otherwise STARTTLS is used when the server offers it. */
  secure: boolean;
  /** Refuse to send without TLS (STARTTLS required on a non-`secure` port). */
  requireTls: boolean;
  user?: string;
  password?: string;
  from: string;
  timeoutMs: number;
}

/**
 * SMTP through nodemailer. A 5xx reply (mailbox unknown, message refused) is permanent; a 4xx
 * reply, a timeout or a connection failure is worth retrying.
 */
export function createSmtpTransport(s: SmtpSettings): MailTransport {
  const transporter = nodemailer.createTransport({
    host: s.host,
    port: s.port,
    secure: s.secure,
    requireTLS: s.requireTls,
    ...(s.user ? { auth: { user: s.user, pass: s.password ?? '' } } : {}),
    connectionTimeout: s.timeoutMs,
    greetingTimeout: s.timeoutMs,
    socketTimeout: s.timeoutMs,
    // Addresses and bodies hold personal data and link tokens: nodemailer must not log them.
    logger: false,
  });
  return {
    name: 'smtp',
    async send({ to, subject, text }) {
      try {
        await transporter.sendMail({ from: s.from, to, subject, text });
      } catch (err) {
        const e = err as { responseCode?: number; code?: string };
        if (typeof e.responseCode === 'number') {
          throw new MailSendError(`smtp_${e.responseCode}`, e.responseCode >= 500);
        }
        throw new MailSendError(e.code ?? 'unexpected', false);
      }
    },
    close: () => transporter.close(),
  };
}
