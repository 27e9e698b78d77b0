import type { Logger } from '@idp/observability';
import { expireIfDue } from './domain/request.js';
import { runCommand, type Deps } from './handlers/deps.js';

/**
 * Expires open requests past their deadline, each in its own transaction (row locked, re-checked,
 * so a command racing the sweep wins or loses cleanly), with idp.activation.expired.v1 and the
 * citizen's notice. Every instance runs it; a request already expired by another is skipped.
 * Returns how many it expired.
 */
export async function sweepExpired(d: Deps, batch = 100): Promise<number> {
  let expired = 0;
  for (const id of await d.store.findDue(d.clock.now(), batch)) {
    const after = await runCommand(d, { requestId: id, actor: { kind: 'service' } }, (r) => {
      const due = expireIfDue(r, d.clock.now());
      // The sweep records the expiry; the refusal is for a citizen's command, not for it.
      return due && { ...due, refusal: undefined };
    }).catch((err: unknown) => {
      d.log.warn({ err, requestId: id }, 'could not expire request; next sweep retries');
      return undefined;
    });
    if (after?.state === 'expired') expired++;
  }
  return expired;
}

export function startExpirySweep(d: Deps, o: { intervalMs: number; log: Logger }): { stop(): Promise<void> } {
  let running: Promise<void> = Promise.resolve();
  let busy = false;
  const timer = setInterval(() => {
    if (busy) return;
    busy = true;
    running = sweepExpired(d)
      .then((n) => {
        if (n > 0) o.log.info({ expired: n }, 'activation requests expired');
      })
      .catch((err: unknown) => o.log.warn({ err }, 'expiry sweep failed; will retry'))
      .finally(() => {
        busy = false;
      });
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
