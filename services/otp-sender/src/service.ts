import {
  OTP_DESTINATION_PURPOSE,
  OtpSmsSendJobV1,
  consume,
  createSealer,
  deadLetterSubject,
  deriveKey,
  workStreamName,
  type Catalog,
  type JetStreamClient,
  type JetStreamManager,
  type Publisher,
  type RpcClient,
  type RpcHandler,
  type RunningConsumer,
} from '@idp/events';
import type { Logger, Registry } from '@idp/observability';
import type { RedisHandle } from '@idp/redis';
import { smsTransport, type OtpSenderConfig } from './config.js';
import { generateCode } from './domain/code.js';
import { accountsDestinations } from './adapters/nats/destinations.js';
import { jetStreamEventSink } from './adapters/nats/event-sink.js';
import { jetStreamSmsQueue } from './adapters/nats/sms-queue.js';
import { createRedisChallengeStore } from './adapters/redis/challenge-store.js';
import { createRedisRateLimiter } from './adapters/redis/rate-limiter.js';
import { createDevSink } from './adapters/sms/dev-sink.js';
import { createSnsTransport } from './adapters/sms/sns.js';
import { createOtpMetrics } from './metrics.js';
import { systemClock, type Clock, type DevSmsReader, type SmsTransport } from './ports.js';
import type { Deps } from './handlers/deps.js';
import { challengeStatus } from './handlers/challenge-status.js';
import { devMessages } from './handlers/dev-messages.js';
import { issueCode, resendCode } from './handlers/issue-code.js';
import { sendSms } from './handlers/send-sms.js';
import { verifyCode } from './handlers/verify-code.js';

/** The secrets the service runs with, resolved by main.ts (development may generate them). */
export interface OtpSecrets {
  otpHmacKey: string;
  smsSealKey?: string;
  /** Opens the login destinations accounts seals (`OTP_DESTINATION_KEY`); none: always ask accounts. */
  otpDestinationKey?: string;
}

/** The SMS transport the configuration names; the dev sink doubles as the reader for /dev/sms. */
export function createTransport(
  config: OtpSenderConfig,
  clock: Clock,
): { transport: SmsTransport; devReader?: DevSmsReader; close(): void } {
  if (smsTransport(config) === 'dev_sink') {
    const sink = createDevSink(config.SMS_DEV_SINK_FILE, clock);
    return { transport: sink, devReader: sink, close: () => undefined };
  }
  const sns = createSnsTransport({
    region: config.SNS_REGION!,
    requestTimeoutMs: config.SNS_REQUEST_TIMEOUT_MS,
    ...(config.SNS_ENDPOINT ? { endpoint: config.SNS_ENDPOINT } : {}),
    ...(config.SNS_SENDER_ID ? { senderId: config.SNS_SENDER_ID } : {}),
    ...(config.SNS_ACCESS_KEY_ID && config.SNS_SECRET_ACCESS_KEY
      ? {
          credentials: {
            accessKeyId: config.SNS_ACCESS_KEY_ID,
            secretAccessKey: config.SNS_SECRET_ACCESS_KEY,
          },
        }
      : {}),
  });
  return { transport: sns, close: () => sns.close() };
}

export interface OtpSenderWiring {
  config: OtpSenderConfig;
  secrets: OtpSecrets;
  redis: RedisHandle;
  js: JetStreamClient;
  jsm: JetStreamManager;
  publisher: Publisher;
  rpc: RpcClient;
  catalog: Catalog;
  log: Logger;
  registry: Registry;
  transport: SmsTransport;
  devReader?: DevSmsReader;
  clock?: Clock;
  /** Tests that must know the code pass their own source; the CSPRNG otherwise. */
  generateCode?: () => string;
  /** Stream the worker reads; tests may point it elsewhere. */
  workStream?: string;
}

export interface OtpSender {
  deps: Deps;
  handlers: RpcHandler[];
  /** Starts the durable SMS worker (consumer `otp-sender-sms` on IDP_WORK_SMS). */
  startWorker(): Promise<RunningConsumer>;
}

/** Builds the handlers and the SMS worker from adapters; main.ts and the integration tests share it. */
export function buildOtpSender(w: OtpSenderWiring): OtpSender {
  const { config } = w;
  const metrics = createOtpMetrics(w.registry);
  const deps: Deps = {
    clock: w.clock ?? systemClock,
    store: createRedisChallengeStore(w.redis),
    limiter: createRedisRateLimiter(w.redis),
    destinations: accountsDestinations(
      w.rpc,
      w.secrets.otpDestinationKey === undefined
        ? undefined
        : {
            sealer: createSealer(deriveKey(w.secrets.otpDestinationKey, OTP_DESTINATION_PURPOSE)),
            clock: w.clock ?? systemClock,
            outcome: (o) => {
              metrics.sealedDestination(o);
              if (o === 'refused')
                w.log.warn('a sealed login destination did not open or was stale: asking accounts');
            },
          },
    ),
    events: jetStreamEventSink(w.publisher),
    queue: jetStreamSmsQueue(w.publisher),
    sealer: createSealer(deriveKey(w.secrets.smsSealKey ?? w.secrets.otpHmacKey, 'idp/otp-sender/seal/v1')),
    metrics,
    keys: {
      codeHmac: deriveKey(w.secrets.otpHmacKey, 'idp/otp-sender/code-hmac/v1'),
      digest: deriveKey(w.secrets.otpHmacKey, 'idp/otp-sender/rate-limit-keys/v1'),
    },
    generateCode: w.generateCode ?? (() => generateCode()),
    settings: {
      policy: {
        ttlMs: config.OTP_TTL_SECONDS * 1000,
        maxAttempts: config.OTP_MAX_ATTEMPTS,
        resendCooldownMs: config.OTP_RESEND_COOLDOWN_SECONDS * 1000,
        maxResends: config.OTP_MAX_RESENDS,
        retainMs: config.OTP_RETAIN_SECONDS * 1000,
      },
      caps: { phoneHourlyCap: config.OTP_PHONE_HOURLY_CAP, prefixHourlyCap: config.OTP_PREFIX_HOURLY_CAP },
      prefixDigits: config.OTP_PREFIX_DIGITS,
      allowedCountryCodes: config.OTP_ALLOWED_COUNTRY_CODES,
      publicHost: config.PUBLIC_HOST,
    },
  };
  const handlers: RpcHandler[] = [issueCode(deps), resendCode(deps), challengeStatus(deps), verifyCode(deps)];
  // /dev/sms must never exist where real citizens' codes flow.
  if (w.devReader && config.IDP_ENV !== 'production') handlers.push(devMessages(w.devReader));

  return {
    deps,
    handlers,
    startWorker: () =>
      consume(w.js, w.jsm, {
        stream: w.workStream ?? workStreamName(OtpSmsSendJobV1.queue),
        durable: 'otp-sender-sms',
        filterSubject: OtpSmsSendJobV1.subject,
        handlers: [sendSms(deps, { transport: w.transport, maxAttempts: config.SMS_MAX_ATTEMPTS })],
        catalog: w.catalog,
        publisher: w.publisher,
        log: w.log,
        registry: w.registry,
        maxAttempts: config.SMS_MAX_ATTEMPTS,
        backoffMs: config.SMS_RETRY_BACKOFF_MS,
        ackWaitMs: config.SMS_ACK_WAIT_MS,
        deadLetterSubject: deadLetterSubject(OtpSmsSendJobV1.queue),
      }),
  };
}
