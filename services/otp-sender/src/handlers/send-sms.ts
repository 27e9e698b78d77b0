import { OtpSmsSendJobV1, isDomainError, on, type MessageContext } from '@idp/events';
import { reportDelivery, stateAt, type DeliveryReport } from '../domain/challenge.js';
import { SmsSendError, type SmsPayload, type SmsTransport } from '../ports.js';
import { jobContext, mutate, type Deps } from './deps.js';

export interface SendSmsOptions {
  transport: SmsTransport;
  /** The consumer's attempt budget: the handler reports `sms_failed` on the last one. */
  maxAttempts: number;
}

/**
 * Worker for idp.work.sms.send.v1. Transient failures throw, so the consumer redelivers with
 * backoff; a permanent one (invalid number) or the last attempt becomes `sms_failed` and the
 * challenge's delivery `failed`. After the last transient failure it still throws, so the consumer
 * copies the job to the dead-letter subject where an operator can requeue it.
 */
export const sendSms = (
  d: Pick<Deps, 'store' | 'events' | 'sealer' | 'metrics' | 'clock'>,
  o: SendSmsOptions,
) =>
  on(OtpSmsSendJobV1, async (env, dctx) => {
    const { challengeId, sealed } = env.data;
    const ctx: MessageContext = { correlationId: env.correlationId, causationId: env.id };
    const transport = o.transport.name;
    const log = dctx.log.child({ challengeId, transport });

    const found = await d.store.get(challengeId);
    if (!found) {
      d.metrics.smsOutcome(transport, 'skipped');
      log.info('challenge no longer exists; sms not sent');
      return;
    }
    const ch = found.value;
    const record = async (report: DeliveryReport) => {
      const events = reportDelivery(report);
      try {
        await mutate(d.store, challengeId, () => events);
      } catch (err) {
        // The record may have expired meanwhile; the event still tells the story.
        if (!(isDomainError(err) && err.code === 'otp.challenge_not_found')) throw err;
      }
      await d.events.publish(ch, events, ctx, { idSeed: `${env.id}/${report.ok ? 'sent' : 'failed'}` });
    };

    let payload: SmsPayload;
    try {
      payload = JSON.parse(d.sealer.open(sealed, jobContext(challengeId))) as SmsPayload;
    } catch {
      // Sealed with a key this instance does not have (rotated?) or tampered with: no retry helps.
      log.error('sms job does not open with this key; reported as failed');
      d.metrics.smsOutcome(transport, 'failed');
      await record({
        ok: false,
        generation: ch.generation,
        transport,
        attempts: dctx.attempt,
        error: 'unreadable_job',
      });
      return;
    }
    // Only the challenge's current, live code is worth an SMS; a replaced or finished one is not.
    if (payload.generation !== ch.generation || stateAt(ch, d.clock.now()) !== 'pending') {
      d.metrics.smsOutcome(transport, 'skipped');
      log.info({ generation: payload.generation }, 'code replaced, used or expired; sms not sent');
      return;
    }
    // A redelivery after a send whose ack was lost (crash between the two): do not send twice.
    if (ch.delivery === 'sent') {
      d.metrics.smsOutcome(transport, 'skipped');
      return;
    }

    try {
      await o.transport.send({ to: payload.to, text: payload.text });
    } catch (err) {
      // Transports classify provider errors; anything else is a bug or local trouble worth its stack.
      if (!(err instanceof SmsSendError)) log.error({ err }, 'sms transport failed unexpectedly');
      // No `cause` from here on: a provider's message may quote the number, and the consumer logs
      // what the handler throws.
      const e =
        err instanceof SmsSendError
          ? new SmsSendError(err.reason, err.permanent)
          : new SmsSendError('unexpected', false);
      const last = dctx.attempt >= o.maxAttempts;
      if (!e.permanent && !last) {
        d.metrics.smsOutcome(transport, 'retry');
        log.warn({ reason: e.reason, attempt: dctx.attempt }, 'sms not sent; will retry');
        throw e;
      }
      d.metrics.smsOutcome(transport, 'failed');
      log.error({ reason: e.reason, attempt: dctx.attempt, permanent: e.permanent }, 'sms could not be sent');
      await record({
        ok: false,
        generation: ch.generation,
        transport,
        attempts: dctx.attempt,
        error: e.reason,
      });
      if (e.permanent) return;
      throw e;
    }
    d.metrics.smsOutcome(transport, 'sent');
    log.info({ attempt: dctx.attempt }, 'sms sent');
    await record({ ok: true, generation: ch.generation, transport, attempts: dctx.attempt });
  });
