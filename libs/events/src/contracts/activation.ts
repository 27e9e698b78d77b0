import { z } from 'zod';
import { defineEvent, defineJob, defineRpc } from '../define.js';

/** Mails the activation service knows how to write, in Slovenian and English. */
export const MAIL_TEMPLATES = [
  /** Link that confirms a new account's e-mail address. Params: `token`. */
  'email_confirmation',
  /** "Someone tried to register with your address" (the address already has an account). */
  'duplicate_registration',
  /** Link that sets a new password. Params: `token`. */
  'password_reset',
  /** "Your password was changed" (to the account address, after a change or reset). */
  'password_changed',
] as const;
export const MailTemplate = z.enum(MAIL_TEMPLATES);
export const MailLanguage = z.enum(['sl', 'en']);
export const MailTransportName = z.enum(['smtp', 'dev_sink']);

/** What a sealed mail job holds: the recipient and the template parameters (tokens among them). */
export const SealedMail = z.object({
  to: z.string().email(),
  params: z.record(z.string(), z.string()),
});

const MailId = z.string().uuid();

export const ActivationMailSendJobV1 = defineJob(
  'idp.work.mail.send.v1',
  z.object({
    mailId: MailId,
    template: MailTemplate,
    language: MailLanguage,
    /**
     * `{to, params}` (SealedMail) sealed with AES-256-GCM under the key producers and the mail
     * worker share (`MAIL_SEAL_KEY`), bound to `mailId`: the address and any link token never sit
     * in a stream or an outbox row in clear.
     */
    sealed: z.string(),
  }),
  'Deliver one e-mail, rendered by the worker from a template. Retried with backoff; dead-lettered after the last attempt.',
);

/** One message as the development mail sink recorded it (never produced in production). */
const DevMail = z.object({
  to: z.string(),
  subject: z.string(),
  text: z.string(),
  sentAt: z.string().datetime(),
});

export const activationRpc = {
  devMail: defineRpc(
    'idp.rpc.activation.dev_mail.v1',
    z.object({
      limit: z.number().int().min(1).max(200).default(50),
      /** Only messages to this address. */
      to: z.string().optional(),
    }),
    z.object({ messages: z.array(DevMail) }),
    'Development only: the newest mails from the development sink, newest first (for /dev/mail). ' +
      'Answered only when MAIL_TRANSPORT=dev_sink and IDP_ENV is not production.',
  ),
};

const Delivery = {
  mailId: MailId,
  template: MailTemplate,
  transport: MailTransportName,
  attempts: z.number().int().positive(),
};
export const ActivationMailSentV1 = defineEvent(
  'idp.activation.mail_sent.v1',
  z.object(Delivery),
  'The mail server (or the development sink) accepted an e-mail.',
);
export const ActivationMailFailedV1 = defineEvent(
  'idp.activation.mail_failed.v1',
  z.object({ ...Delivery, error: z.string() }),
  'An e-mail could not be delivered after the last attempt, or could never be (permanent refusal).',
);

export const ACTIVATION_CONTRACTS = [
  ...Object.values(activationRpc),
  ActivationMailSendJobV1,
  ActivationMailSentV1,
  ActivationMailFailedV1,
];

/** HKDF purpose of the key derived from `MAIL_SEAL_KEY`; producers and the worker must agree on it. */
export const MAIL_SEAL_PURPOSE = 'idp/mail-job/seal/v1';
