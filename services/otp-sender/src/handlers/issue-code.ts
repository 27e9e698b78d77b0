import { createHmac, randomUUID } from 'node:crypto';
import { DomainError, otpRpc, rpcHandler, type MessageContext } from '@idp/events';
import { apply, issue, resend, type Challenge, type Purpose } from '../domain/challenge.js';
import { codeHmac } from '../domain/code.js';
import { assertDestinationAllowed, maskPhone, numberPrefix } from '../domain/destination.js';
import { admissionError, sendLimits } from '../domain/rate-limit.js';
import { smsText } from '../domain/sms-text.js';
import type { SmsPayload } from '../ports.js';
import { destinationContext, jobContext, loadChallenge, mutate, view, type Deps } from './deps.js';

const digest = (key: Buffer, what: string) =>
  createHmac('sha256', key).update(what).digest('base64url').slice(0, 22);

/** Pumping caps for one more SMS to `phone`; throws `otp.phone_rate_limited` when one is full. */
async function admitSend(d: Deps, phone: string): Promise<void> {
  const limits = sendLimits(
    {
      phone: digest(d.keys.digest, `phone:${phone}`),
      prefix: digest(d.keys.digest, `prefix:${numberPrefix(phone, d.settings.prefixDigits)}`),
    },
    d.settings.caps,
  );
  const error = admissionError(await d.limiter.admit(limits, d.clock.now()));
  if (error) throw error;
}

/** Seals the SMS (number, text, generation) and puts it on the durable work queue. */
async function queueSms(d: Deps, ch: Challenge, phone: string, code: string, ctx: MessageContext) {
  const text = smsText({
    code,
    serviceName: ch.serviceName,
    purpose: ch.purpose,
    host: d.settings.publicHost,
  });
  const payload: SmsPayload = { to: phone, text, generation: ch.generation };
  await d.queue.enqueue(
    { challengeId: ch.id, sealed: d.sealer.seal(JSON.stringify(payload), jobContext(ch.id)) },
    ctx,
  );
}

/** Serves idp.rpc.otp.issue.v1: new challenge, new code, SMS queued. */
export const issueCode = (d: Deps) =>
  rpcHandler(otpRpc.issue, async (req, ctx) => {
    const purpose: Purpose = req.purpose;
    let phone: string;
    let hint: string | undefined;
    if (purpose === 'bind_phone') {
      if (!req.phone) {
        throw new DomainError('invalid_argument', 'rpc.invalid_request', {
          message: 'phone: required for bind_phone',
        });
      }
      phone = req.phone;
    } else {
      const dest = await d.destinations.forAccount(req.accountId, ctx, req.destination);
      phone = dest.phone;
      hint = dest.phoneHint;
    }
    const countryCode = assertDestinationAllowed(phone, d.settings.allowedCountryCodes);
    await admitSend(d, phone);

    const id = randomUUID();
    const code = d.generateCode();
    const now = d.clock.now();
    const events = issue(
      {
        id,
        accountId: req.accountId,
        purpose,
        serviceName: req.serviceName,
        destinationHint: hint ?? maskPhone(phone, countryCode),
        destinationSealed: d.sealer.seal(phone, destinationContext(id)),
        codeHmac: codeHmac(d.keys.codeHmac, id, code),
      },
      d.settings.policy,
      now,
    );
    const ch = apply(undefined, events)!;
    await d.store.create(ch);
    // The job and the event go out in one write and their acks are awaited together.
    await Promise.all([queueSms(d, ch, phone, code, ctx), d.events.publish(ch, events, ctx)]);
    d.metrics.codeIssued(purpose, false);
    ctx.log.info({ challengeId: id, purpose }, 'code issued; sms queued');
    return view(ch, now);
  });

/** Serves idp.rpc.otp.resend.v1: the same challenge gets a new code; the old one stops working. */
export const resendCode = (d: Deps) =>
  rpcHandler(otpRpc.resend, async (req, ctx) => {
    const id = req.challengeId;
    const code = d.generateCode();
    const hmac = codeHmac(d.keys.codeHmac, id, code);
    // The rules are checked before the pumping caps, so a refused resend costs no SMS budget.
    const { value: current } = await loadChallenge(d.store, id);
    resend(current, hmac, d.clock.now());
    const phone = d.sealer.open(current.destinationSealed, destinationContext(id));
    await admitSend(d, phone);

    const { after, events } = await mutate(d.store, id, (ch) => resend(ch, hmac, d.clock.now()));
    await Promise.all([queueSms(d, after, phone, code, ctx), d.events.publish(after, events, ctx)]);
    d.metrics.codeIssued(after.purpose, true);
    ctx.log.info({ challengeId: id, generation: after.generation }, 'code re-issued; sms queued');
    return view(after, d.clock.now());
  });
