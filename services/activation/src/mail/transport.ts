import type { MailTransportName } from '@idp/events';
import type { z } from '@idp/config';

export type TransportName = z.infer<typeof MailTransportName>;

export interface OutgoingMail {
  to: string;
  subject: string;
  text: string;
}

/** One way of delivering mail. Throws {@link MailSendError} so the worker can tell a retry from a dead end. */
export interface MailTransport {
  readonly name: TransportName;
  send(mail: OutgoingMail): Promise<void>;
  close(): void;
}

export class MailSendError extends Error {
  override name = 'MailSendError';
  constructor(
    /** SMTP reply code or error code, safe to log and to put in an event (never the address or text). */
    readonly reason: string,
    /** True when sending again cannot help (5xx: unknown mailbox, refused): fail at once. */
    readonly permanent: boolean,
    options?: ErrorOptions,
  ) {
    super(`mail send failed: ${reason}${permanent ? ' (permanent)' : ''}`, options);
  }
}

/** A recorded development mail, for people reading /dev/mail. */
export interface DevMail {
  to: string;
  subject: string;
  text: string;
  sentAt: string;
}

export interface DevMailReader {
  /** Newest first. */
  recent(limit: number, to?: string): Promise<DevMail[]>;
}
