import { OtpSmsSendJobV1, type Publisher } from '@idp/events';
import type { SmsQueue } from '../../ports.js';

/** Puts a job on the `sms` work queue (stream IDP_WORK_SMS); JetStream keeps it until a worker acks. */
export function jetStreamSmsQueue(publisher: Publisher): SmsQueue {
  return {
    async enqueue(job, ctx) {
      await publisher.publish(
        OtpSmsSendJobV1,
        { aggregate: { type: 'otp_challenge', id: job.challengeId }, data: job },
        ctx,
      );
    },
  };
}
