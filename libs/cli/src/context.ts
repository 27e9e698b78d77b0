import type {
  JetStreamClient,
  JetStreamManager,
  NatsConnection,
  RpcDef,
  RpcRequest,
  RpcResponse,
} from '@idp/events';

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
  jetstream?(): Promise<{ js: JetStreamClient; jsm: JetStreamManager }>;
  /** Shown in messages about NATS. */
  natsUrl: string;
  /** Shown in messages about failures an operator may need to look up in the services' logs. */
  correlationId: string;
  /** The NATS connection itself, for commands that read JetStream (`audit`). Absent: such commands refuse. */
  nats?(): Promise<NatsConnection>;
  /** True when stdout is a terminal (`audit` then prints tables by default, JSON lines otherwise). */
  isTTY?: boolean;
  /**
   * Calls `stop` on the first Ctrl-C (SIGINT) instead of ending the process, so a command that
   * follows a stream can finish cleanly; returns the function that removes the handler.
   */
  onInterrupt?(stop: () => void): () => void;
  /** The clock for relative times (`--since 10m`); default the system clock. */
  now?(): Date;
}
