import { hostname } from 'node:os';
import { z } from 'zod';

const secretSchemas = new WeakSet<z.ZodType>();

/** Marks a config field as secret: it is redacted by {@link redactConfig} and never logged. */
export function secret<T extends z.ZodType>(schema: T): T {
  secretSchemas.add(schema);
  return schema;
}

/** True when `schema` was wrapped with {@link secret}. */
export const isSecret = (schema: unknown): boolean =>
  typeof schema === 'object' && schema !== null && secretSchemas.has(schema as z.ZodType);

/**
 * A boolean env var that accepts only `true`/`false`/`1`/`0`.
 * `z.coerce.boolean()` would turn the string "false" into `true`.
 */
export const envBool = z
  .enum(['true', 'false', '1', '0'], { message: "must be 'true' or 'false'" })
  .transform((v) => v === 'true' || v === '1');

export const port = z.coerce.number().int().min(0).max(65535);
export const logLevel = z
  .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
  .default('info');

/** Settings every service process has. */
export const commonConfig = z.object({
  IDP_ENV: z.enum(['development', 'test', 'production']).default('development'),
  NATS_URL: z.string().min(1).default('nats://127.0.0.1:4222'),
  NATS_REQUEST_TIMEOUT_MS: z.coerce.number().int().min(50).max(60_000).default(2000),
  LOG_LEVEL: logLevel,
  ADMIN_HOST: z.string().min(1).default('127.0.0.1'),
  ADMIN_PORT: port,
  INSTANCE_ID: z.string().min(1).default(`${hostname()}-${process.pid}`),
  SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(10_000),
  /**
   * PEM (PKCS#8) Ed25519 key that signs every message this service stores on JetStream; replicas
   * share it. Default `var/event-keys/<service>.key.pem`, generated on first run outside production.
   */
  EVENT_SIGNING_KEY_FILE: z.string().min(1).optional(),
});
export type CommonConfig = z.infer<typeof commonConfig>;

/** Every problem found in the environment, so an operator fixes them in one go. */
export class ConfigError extends Error {
  override name = 'ConfigError';
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

type AnyObject = z.ZodObject<z.ZodRawShape>;

/**
 * Validates `env` against `schema`. Returns a frozen object; throws {@link ConfigError}
 * naming every invalid or missing variable at once.
 */
export function loadConfig<S extends AnyObject>(
  schema: S,
  env: Record<string, string | undefined>,
): Readonly<z.infer<S>> {
  // Empty strings count as unset: `FOO= make up` must fall back to the default, not fail validation.
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const result = schema.safeParse(cleaned);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => {
      const key = issue.path.join('.') || '(root)';
      const shown = isSecret(schema.shape[key]) ? '' : describeValue(cleaned[key]);
      return `${key}: ${issue.message}${shown}`;
    });
    throw new ConfigError(problems);
  }
  return Object.freeze(result.data);
}

const describeValue = (v: string | undefined) =>
  v === undefined ? ' (not set)' : ` (got ${JSON.stringify(v)})`;

/** A copy of `config` safe to log: secret fields replaced by `[redacted]`. */
export function redactConfig<S extends AnyObject>(schema: S, config: z.infer<S>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(config as Record<string, unknown>)) {
    out[key] = isSecret(schema.shape[key]) && value !== undefined ? '[redacted]' : value;
  }
  return out;
}

export { z };
export { configuredOrDevelopmentSecret, developmentSecret, optionalSecret } from './dev-secret.js';
