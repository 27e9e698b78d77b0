import type { JetStreamClient, JetStreamManager, RpcDef, RpcRequest, RpcResponse } from '@idp/events';

/**
 * What a command may use. `main.ts` makes the real one (NATS, the process's streams); tests pass
 * a fake, so commands are checked without a server.
 */
export interface CliContext {
  /** A line for stdout: results a script may capture (ids, tables). */
  out(line: string): void;
  /** A line for stderr: messages for the person at the terminal. */
  err(line: string): void;
  /** All of stdin, for secrets that must not appear on the command line. */
  readStdin(): Promise<string>;
  /**
   * A request to a running service, with a deadline and this invocation's correlation id. Rejects
   * with a DomainError (typed error reply, or `unavailable` when no service answers).
   */
  call<C extends RpcDef>(contract: C, request: RpcRequest<C>): Promise<RpcResponse<C>>;
  /** JetStream on the same connection, for commands that read streams (`audit verify`). */
  jetstream(): Promise<{ js: JetStreamClient; jsm: JetStreamManager }>;
  /** Shown in messages about NATS. */
  natsUrl: string;
  /** Shown in messages about failures an operator may need to look up in the services' logs. */
  correlationId: string;
}
