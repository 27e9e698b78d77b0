import type { Logger } from './logger.js';

export type ShutdownHook = () => Promise<void> | void;

export interface Shutdown {
  /** Hooks run in reverse order of registration: the last thing started is the first stopped. */
  onShutdown(name: string, hook: ShutdownHook): void;
  readonly isShuttingDown: boolean;
  /** Runs the hooks and resolves with the exit code; the signal handlers call this too. */
  run(reason: string): Promise<number>;
}

export interface ShutdownOptions {
  log: Logger;
  timeoutMs: number;
  /** Installs SIGTERM/SIGINT handlers that exit the process; tests pass false. */
  handleSignals?: boolean;
  exit?: (code: number) => void;
  /** Runs before any hook, e.g. to turn readiness off so no new work is routed here. */
  onBegin?: () => void;
}

/**
 * Graceful shutdown: on SIGTERM or SIGINT stop taking work, finish what is in flight, close
 * connections, exit 0. If the hooks do not finish within `timeoutMs`, exit 1 rather than hang.
 */
export function createShutdown(o: ShutdownOptions): Shutdown {
  const hooks: { name: string; hook: ShutdownHook }[] = [];
  let running: Promise<number> | undefined;
  /** The hook in progress, named when the deadline passes so an operator knows what hung. */
  let current: string | undefined;
  const exit = o.exit ?? ((code: number) => process.exit(code));

  const run = (reason: string): Promise<number> => {
    running ??= (async () => {
      o.log.info({ reason }, 'shutting down');
      o.onBegin?.();
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<number>((resolve) => {
        timer = setTimeout(() => {
          o.log.error({ timeoutMs: o.timeoutMs, step: current }, 'shutdown did not finish in time');
          resolve(1);
        }, o.timeoutMs);
        timer.unref();
      });
      const work = (async () => {
        let code = 0;
        for (const { name, hook } of [...hooks].reverse()) {
          current = name;
          try {
            await hook();
          } catch (err) {
            code = 1;
            o.log.error({ err, hook: name }, 'shutdown step failed');
          }
        }
        return code;
      })();
      const code = await Promise.race([work, deadline]);
      clearTimeout(timer);
      o.log.info({ exitCode: code }, 'stopped');
      return code;
    })();
    return running;
  };

  if (o.handleSignals !== false) {
    for (const signal of ['SIGTERM', 'SIGINT'] as const) {
      process.once(signal, () => {
        void run(signal).then(exit);
      });
    }
  }
  return {
    onShutdown: (name, hook) => hooks.push({ name, hook }),
    get isShuttingDown() {
      return running !== undefined;
    },
    run,
  };
}

/**
 * Runs a service's `main`. A configuration error prints the list of problems and exits 78
 * (EX_CONFIG) so a supervisor does not restart-loop on it; any other startup failure exits 1.
 */
export function runMain(main: () => Promise<void>): void {
  main().catch((err: unknown) => {
    const isConfig = err instanceof Error && err.name === 'ConfigError';
    process.stderr.write(
      `${isConfig ? err.message : err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
    process.exit(isConfig ? 78 : 1);
  });
}
