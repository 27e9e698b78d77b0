import { sealOnce, type SealOutcome, type SealerOptions } from '@idp/audit';
import { Counter, Gauge, type Logger, type Registry } from '@idp/observability';

export interface Notary {
  /** One round now (tests, and the loop); rounds never overlap. */
  sealNow(): Promise<SealOutcome>;
  stop(): Promise<void>;
  /** Rejects while the last round failed, for /readyz. */
  check(): Promise<void>;
}

/**
 * Seals every `intervalMs`: each round appends one checkpoint over what arrived since the last,
 * and rounds follow each other at once while a backlog remains. Any number of notaries may run:
 * a round that loses the race to another is a `conflict` and the next round starts from the
 * winner's checkpoint. The notary keeps no state of its own: the last checkpoint is its state.
 */
export function startNotary(
  o: SealerOptions & { intervalMs: number; log: Logger; registry: Registry },
): Notary {
  const checkpoints = new Counter({
    name: 'idp_notary_checkpoints_total',
    help: 'Sealing rounds by outcome (sealed, conflict: another notary sealed first, failed).',
    labelNames: ['outcome'],
    registers: [o.registry],
  });
  const sealedThrough = new Gauge({
    name: 'idp_notary_sealed_through_seq',
    help: 'Highest IDP_EVENTS sequence number covered by a checkpoint.',
    registers: [o.registry],
  });
  let stopped = false;
  let lastError: unknown;
  let running: Promise<SealOutcome> | undefined;
  let timer: NodeJS.Timeout | undefined;

  const round = async (): Promise<SealOutcome> => {
    try {
      const r = await sealOnce(o);
      lastError = undefined;
      if (r.kind === 'sealed') {
        checkpoints.inc({ outcome: 'sealed' });
        sealedThrough.set(r.checkpoint.toSeq);
        o.log.info(
          {
            fromSeq: r.checkpoint.fromSeq,
            toSeq: r.checkpoint.toSeq,
            gaps: r.checkpoint.gaps.length,
            sealSeq: r.sealSeq,
          },
          'sealed',
        );
        if (r.checkpoint.gaps.length)
          o.log.warn(
            { gaps: r.checkpoint.gaps.slice(0, 20) },
            'sealed a range with missing sequence numbers',
          );
      } else if (r.kind === 'conflict') {
        checkpoints.inc({ outcome: 'conflict' });
        o.log.debug('another notary sealed first; continuing from its checkpoint');
      } else sealedThrough.set(r.sealedThrough);
      return r;
    } catch (err) {
      lastError = err;
      checkpoints.inc({ outcome: 'failed' });
      throw err;
    }
  };
  const sealNow = (): Promise<SealOutcome> => {
    const next = (running ?? Promise.resolve()).catch(() => undefined).then(round);
    running = next;
    return next;
  };

  const schedule = (ms: number) => {
    if (stopped) return;
    timer = setTimeout(() => {
      sealNow().then(
        // A full checkpoint means a backlog: seal the rest without waiting a whole interval.
        (r) =>
          schedule(
            r.kind === 'sealed' && r.checkpoint.digests.length >= o.maxEventsPerCheckpoint ? 0 : o.intervalMs,
          ),
        (err: unknown) => {
          o.log.error({ err }, 'sealing round failed; will retry');
          schedule(o.intervalMs);
        },
      );
    }, ms);
  };
  schedule(0);

  return {
    sealNow,
    check: () => (lastError ? Promise.reject(lastError as Error) : Promise.resolve()),
    stop: async () => {
      stopped = true;
      clearTimeout(timer);
      await running?.catch(() => undefined);
    },
  };
}
