import { wrapRedisError } from '@idp/redis';

/**
 * Connection trouble becomes `infra.redis_down` (unavailable, retry later). A reply error — a script
 * or type error that Redis itself reports — is a bug, not an outage: it stays as it is, so the RPC
 * edge answers `internal` and logs it with its stack instead of hiding it behind "unavailable".
 */
export function redisFailure(cause: unknown): Error {
  if (cause instanceof Error && cause.name === 'ReplyError') return cause;
  return wrapRedisError(cause);
}
