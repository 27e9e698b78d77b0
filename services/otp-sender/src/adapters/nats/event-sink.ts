import { v5 as uuidv5 } from 'uuid';
import {
  OtpChallengeLockedV1,
  OtpCodeIssuedV1,
  OtpCodeVerifiedV1,
  OtpSmsFailedV1,
  OtpSmsSentV1,
  OtpVerificationFailedV1,
  type Publisher,
} from '@idp/events';
import type { EventSink } from '../../ports.js';

const EVENT_ID_NS = 'a3c9a0d4-3f0e-4f57-8f43-8d8f6f0b2c11';

/**
 * Publishes domain events straight to IDP_EVENTS (otp-sender keeps no database to hold an outbox).
 * Never a code, never a number: the catalog schemas have no field for either.
 */
export function jetStreamEventSink(publisher: Publisher): EventSink {
  return {
    async publish(ch, events, ctx, o = {}) {
      const aggregate = { type: 'otp_challenge', id: ch.id };
      const base = { challengeId: ch.id, accountId: ch.accountId };
      for (const [i, e] of events.entries()) {
        const id = o.idSeed ? { id: uuidv5(`${o.idSeed}/${i}/${e.type}`, EVENT_ID_NS) } : {};
        switch (e.type) {
          case 'issued':
          case 'resent':
            await publisher.publish(
              OtpCodeIssuedV1,
              {
                ...id,
                aggregate,
                data: {
                  ...base,
                  purpose: ch.purpose,
                  destinationHint: ch.destinationHint,
                  expiresAt: (e.type === 'issued' ? e.challenge.expiresAt : e.expiresAt).toISOString(),
                  resend: e.type === 'resent',
                },
              },
              ctx,
            );
            break;
          case 'verification_failed':
            await publisher.publish(
              OtpVerificationFailedV1,
              { ...id, aggregate, data: { ...base, attempt: e.attempt, reason: e.reason } },
              ctx,
            );
            break;
          case 'locked':
            await publisher.publish(OtpChallengeLockedV1, { ...id, aggregate, data: base }, ctx);
            break;
          case 'verified':
            await publisher.publish(OtpCodeVerifiedV1, { ...id, aggregate, data: base }, ctx);
            break;
          case 'sms_sent':
            await publisher.publish(
              OtpSmsSentV1,
              {
                ...id,
                aggregate,
                data: { challengeId: ch.id, transport: e.transport, attempts: e.attempts },
              },
              ctx,
            );
            break;
          case 'sms_failed':
            await publisher.publish(
              OtpSmsFailedV1,
              {
                ...id,
                aggregate,
                data: { challengeId: ch.id, transport: e.transport, attempts: e.attempts, error: e.error },
              },
              ctx,
            );
            break;
        }
      }
    },
  };
}
