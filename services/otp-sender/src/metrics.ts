import { Counter, type Registry } from '@idp/observability';
import type { OtpMetrics } from './ports.js';

/** idp_otp_* counters; conversion (sent vs verified) is the SMS-pumping alarm operators watch. */
export function createOtpMetrics(registry: Registry): OtpMetrics {
  const issued = new Counter({
    name: 'idp_otp_codes_issued_total',
    help: 'One-time codes generated, by purpose and whether it was a resend.',
    labelNames: ['purpose', 'resend'],
    registers: [registry],
  });
  const sms = new Counter({
    name: 'idp_otp_sms_sent_total',
    help: 'SMS delivery attempts by transport and outcome (sent, retry, failed, skipped).',
    labelNames: ['transport', 'outcome'],
    registers: [registry],
  });
  const verifications = new Counter({
    name: 'idp_otp_verifications_total',
    help: 'Code verifications by outcome.',
    labelNames: ['outcome'],
    registers: [registry],
  });
  const destinations = new Counter({
    name: 'idp_otp_sealed_destinations_total',
    help: 'Login destinations sealed by accounts: opened, or refused (altered, other account, stale) and asked of accounts.',
    labelNames: ['outcome'],
    registers: [registry],
  });
  return {
    sealedDestination: (outcome) => destinations.inc({ outcome }),
    codeIssued: (purpose, resend) => issued.inc({ purpose, resend: String(resend) }),
    smsOutcome: (transport, outcome) => sms.inc({ transport, outcome }),
    verification: (outcome) => verifications.inc({ outcome }),
  };
}
