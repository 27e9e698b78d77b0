import type { Logger } from '@idp/observability';
import type { AccountStore, Clock } from './ports.js';

/**
 * Deletes expired login-throttle rows now and then. Correctness does not depend on it (an expired
 * row no longer counts); it only keeps the table from growing under a spray of made-up names.
 * Every instance runs it; the deletes are idempotent.
 */
export function startThrottleSweep(o: {
  store: Pick<AccountStore, 'pruneThrottle'>;
  clock: Clock;
  intervalMs: number;
  log: Logger;
}): { stop(): Promise<void> } {
  let running: Promise<void> = Promise.resolve();
  const timer = setInterval(() => {
    running = o.store
      .pruneThrottle(o.clock.now())
      .then((n) => {
        if (n > 0) o.log.debug({ deleted: n }, 'expired login throttle rows deleted');
      })
      .catch((err: unknown) => o.log.warn({ err }, 'login throttle sweep failed; will retry'));
  }, o.intervalMs);
  // The sweep alone must not keep the process alive.
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
