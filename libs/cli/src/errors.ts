import { isDomainError, type DomainError } from '@idp/events';
import type { CliContext } from './context.js';

/** Exit statuses, after sysexits(3) where one fits. */
export const EXIT = {
  ok: 0,
  /** The service refused the request (invalid data, conflict, not found, …). */
  refused: 1,
  /** Wrong options or arguments. */
  usage: 2,
  /** NATS or the service cannot be reached (EX_UNAVAILABLE). */
  unavailable: 69,
  /** A bug or an unexpected failure (EX_SOFTWARE). */
  internal: 70,
} as const;

/** A failure with the one-line message and exit status the operator sees. */
export class CliError extends Error {
  override name = 'CliError';
  constructor(
    message: string,
    readonly exitCode: number = EXIT.refused,
  ) {
    super(message);
  }
}

/** Turns a typed error into a line for the operator; `describe` knows a command's own codes. */
export function toCliError(
  err: unknown,
  ctx: Pick<CliContext, 'natsUrl' | 'correlationId'>,
  service: string,
  describe: (e: DomainError) => string | undefined = () => undefined,
): CliError {
  if (err instanceof CliError) return err;
  if (!isDomainError(err)) {
    return new CliError(
      `unexpected failure: ${err instanceof Error ? err.message : String(err)} (correlation id ${ctx.correlationId})`,
      EXIT.internal,
    );
  }
  const own = describe(err);
  if (own) return new CliError(own, err.kind === 'unavailable' ? EXIT.unavailable : EXIT.refused);
  switch (err.code) {
    case 'rpc.no_responders':
      return new CliError(
        `no ${service} service answers on NATS at ${ctx.natsUrl}; is it running? (make up)`,
        EXIT.unavailable,
      );
    case 'rpc.timeout':
      return new CliError(
        `the ${service} service did not answer in time (correlation id ${ctx.correlationId})`,
        EXIT.unavailable,
      );
    case 'rpc.connection_closed':
      return new CliError(`the connection to NATS at ${ctx.natsUrl} closed`, EXIT.unavailable);
  }
  if (err.kind === 'unavailable') {
    return new CliError(`${service} is unavailable: ${err.message} (${err.code})`, EXIT.unavailable);
  }
  if (err.kind === 'internal') {
    return new CliError(
      `${service} failed: ${err.message} (${err.code}, correlation id ${ctx.correlationId})`,
      EXIT.internal,
    );
  }
  return new CliError(`${err.message} (${err.code})`, EXIT.refused);
}
