import type { Logger } from '@idp/observability';
import { expireCorrectionIfDue } from './domain/correction.js';
import { expireIfDue, type Decision } from './domain/request.js';
import {
  ACTIVATION_REQUESTS,
  CORRECTIONS,
  runRequestCommand,
  type Deps,
  type RequestKind,
} from './handlers/deps.js';

/**
 * Expires open activation requests and identity corrections past their deadline, each in its own
 * transaction (row locked, re-checked, so a command racing the sweep wins or loses cleanly), with
 * its expired event (and, for an activation request, the citizen's notice). Every instance runs
 * it; a request already expired by another is skipped. Returns how many it expired.
 */
export async function sweepExpired(d: Deps, batch = 100): Promise<number> {
  const expire = async <R extends { id: string; accountId: string; state: string }>(
    kind: RequestKind<R>,
    due: string[],
    decide: (r: R, now: Date) => Decision<R> | undefined,
  ): Promise<number> => {
    let expired = 0;
    for (const id of due) {
      const after = await runRequestCommand(d, kind, { requestId: id, actor: { kind: 'service' } }, (r) => {
        const decision = decide(r, d.clock.now());
        // The sweep records the expiry; the refusal is for a citizen's command, not for it.
        return decision && { ...decision, refusal: undefined };
      }).catch((err: unknown) => {
        d.log.warn({ err, requestId: id }, 'could not expire request; next sweep retries');
        return undefined;
      });
      if (after?.state === 'expired') expired++;
    }
    return expired;
  };
  const now = d.clock.now();
  return (
    (await expire(ACTIVATION_REQUESTS, await d.store.findDue(now, batch), expireIfDue)) +
    (await expire(CORRECTIONS, await d.store.findDueCorrections(now, batch), expireCorrectionIfDue))
  );
}

export function startExpirySweep(d: Deps, o: { intervalMs: number; log: Logger }): { stop(): Promise<void> } {
  let running: Promise<void> = Promise.resolve();
  let busy = false;
  const timer = setInterval(() => {
    if (busy) return;
    busy = true;
    running = sweepExpired(d)
      .then((n) => {
        if (n > 0) o.log.info({ expired: n }, 'requests expired');
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
