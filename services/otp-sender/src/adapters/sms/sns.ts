import { PublishCommand, SNSClient, type MessageAttributeValue } from '@aws-sdk/client-sns';
import { SmsSendError, type SmsTransport } from '../../ports.js';

export interface SnsOptions {
  region: string;
  /** Only to reach a non-default endpoint (VPC endpoint, a local SNS-compatible server in tests). */
  endpoint?: string;
  senderId?: string;
  /** Static credentials; otherwise the SDK's default chain (env, shared config, instance role). */
  credentials?: { accessKeyId: string; secretAccessKey: string };
  requestTimeoutMs: number;
}

// Provider answers that mean "later": throttling by name, because SNS says 400 for some of them.
const THROTTLED = new Set([
  'Throttling',
  'ThrottlingException',
  'ThrottledException',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'KMSThrottlingException',
]);
// Our own credentials or permissions: not this message's fault, so retried and then dead-lettered,
// where an operator can requeue the jobs once the configuration is fixed.
const OURS = new Set([
  'AuthorizationError',
  'AuthorizationErrorException',
  'InvalidClientTokenId',
  'SignatureDoesNotMatch',
  'ExpiredToken',
  'ExpiredTokenException',
  'AccessDenied',
  'AccessDeniedException',
  'InvalidSecurity',
  'InvalidSecurityException',
  'KMSAccessDeniedException',
  'CredentialsProviderError',
]);

/**
 * Sorts an SDK failure into retry-later or give-up. Throttling, 5xx, network trouble and our own
 * credential problems are transient; any other 4xx (invalid number, opted out, parameter) is
 * permanent: the same request will fail the same way.
 */
export function classifySnsError(err: unknown): SmsSendError {
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number }; $fault?: string };
  const name = typeof e?.name === 'string' ? e.name : 'Error';
  const status = e?.$metadata?.httpStatusCode;
  const reason = status ? `${name} (${status})` : name;
  if (THROTTLED.has(name) || status === 429) return new SmsSendError(reason, false, { cause: err });
  if (OURS.has(name) || status === 401 || status === 403)
    return new SmsSendError(reason, false, { cause: err });
  if (status !== undefined && status >= 400 && status < 500)
    return new SmsSendError(reason, true, { cause: err });
  return new SmsSendError(reason, false, { cause: err });
}

/** AWS SNS direct publish to a phone number (SMS), transactional route. */
export function createSnsTransport(o: SnsOptions): SmsTransport & { close(): void } {
  const client = new SNSClient({
    region: o.region,
    ...(o.endpoint ? { endpoint: o.endpoint } : {}),
    ...(o.credentials ? { credentials: o.credentials } : {}),
    // Retries belong to the work queue: its backoff survives a crash and shows in the audit log.
    maxAttempts: 1,
    requestHandler: {
      requestTimeout: o.requestTimeoutMs,
      connectionTimeout: Math.min(o.requestTimeoutMs, 3000),
    },
  });
  const attributes: Record<string, MessageAttributeValue> = {
    // Transactional: the route for time-critical messages such as one-time passwords.
    'AWS.SNS.SMS.SMSType': { DataType: 'String', StringValue: 'Transactional' },
    ...(o.senderId ? { 'AWS.SNS.SMS.SenderID': { DataType: 'String', StringValue: o.senderId } } : {}),
  };
  return {
    name: 'sns',
    async send({ to, text }) {
      try {
        const out = await client.send(
          new PublishCommand({ PhoneNumber: to, Message: text, MessageAttributes: attributes }),
        );
        return out.MessageId ? { messageId: out.MessageId } : {};
      } catch (err) {
        throw classifySnsError(err);
      }
    },
    close: () => client.destroy(),
  };
}
