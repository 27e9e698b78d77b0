import { z } from 'zod';
import { defineEvent } from '../define.js';

/**
 * A message that could not be processed after its last allowed delivery. Operators alert on it;
 * the original stays in its stream (events) or is copied to `idp.dlq.<queue>` (jobs) for a replay.
 */
export const MessagingMessageDeadLetteredV1 = defineEvent(
  'idp.messaging.message_dead_lettered.v1',
  z.object({
    stream: z.string(),
    consumer: z.string(),
    streamSequence: z.number().int().nonnegative(),
    subject: z.string(),
    /** Envelope id of the failed message, when it had a readable envelope. */
    messageId: z.string().optional(),
    deliveries: z.number().int().positive(),
    reason: z.enum(['handler_failed', 'invalid_envelope', 'unknown_subject', 'invalid_payload']),
    /** Error code or class name only: never the message body, which may hold personal data. */
    error: z.string(),
  }),
  'A message was given up on after its last delivery attempt.',
);
