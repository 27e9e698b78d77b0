import { pino, type Logger, type LoggerOptions } from 'pino';

export type { Logger };

/**
 * Keys whose values never reach a log line, at the top level or one object deep. Logs are for
 * operators; OTPs, passwords, cookies, SAML XML and keys are not theirs to read. `code` is
 * censored because one-time codes travel under that name: log error codes as `errorCode`.
 */
const SENSITIVE_KEYS = [
  'password',
  'newPassword',
  'code',
  'otp',
  'token',
  'secret',
  'cookie',
  'authorization',
  'SAMLRequest',
  'SAMLResponse',
  'samlRequest',
  'samlResponse',
  'assertion',
  'xml',
  'privateKey',
  'key',
  'activationCode',
];
const REDACT_PATHS = [
  ...SENSITIVE_KEYS,
  ...SENSITIVE_KEYS.map((k) => `*.${k}`),
  'req.headers.cookie',
  'req.headers.authorization',
  'res.headers["set-cookie"]',
];

export interface LoggerSettings {
  service: string;
  version?: string;
  instance?: string;
  level?: LoggerOptions['level'];
  /** Where lines go; defaults to stdout. Tests pass a stream to read what was logged. */
  destination?: NodeJS.WritableStream;
}

/** A structured JSON logger with the base fields every line carries and secrets censored. */
export function createLogger(s: LoggerSettings): Logger {
  const options: LoggerOptions = {
    level: s.level ?? 'info',
    base: { service: s.service, version: s.version, instance: s.instance },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    formatters: { level: (label) => ({ level: label }) },
    serializers: { err: pino.stdSerializers.err },
  };
  return s.destination ? pino(options, s.destination as pino.DestinationStream) : pino(options);
}
