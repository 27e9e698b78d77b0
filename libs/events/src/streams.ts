import { nanos } from '@nats-io/nats-core';
import {
  DiscardPolicy,
  JetStreamApiCodes,
  JetStreamApiError,
  RetentionPolicy,
  StorageType,
  type JetStreamManager,
  type StreamConfig,
} from '@nats-io/jetstream';
import type { Logger } from '@idp/observability';
import type { Catalog } from './catalog.js';

export const EVENTS_STREAM = 'IDP_EVENTS';
export const DEAD_LETTER_STREAM = 'IDP_DEAD_LETTERS';
/** The notary's signed checkpoints over `IDP_EVENTS`. */
export const SEALS_STREAM = 'IDP_SEALS';
export const workStreamName = (queue: string) => `IDP_WORK_${queue.toUpperCase()}`;
export const workSubjects = (queue: string) => `idp.work.${queue}.>`;
export const deadLetterSubject = (queue: string) => `idp.dlq.${queue}`;

export type StreamSpec = Partial<StreamConfig> & { name: string; subjects: string[] };

export interface StreamOptions {
  /** 3 in production (NATS cluster), 1 on a single local server. */
  replicas?: number;
  /** How long JetStream remembers a `Nats-Msg-Id` to drop a re-published duplicate. */
  duplicateWindowMs?: number;
  /** Prefix for stream names and subjects, so integration tests get streams of their own. */
  namePrefix?: string;
}

/**
 * The audit log: every catalog event, file storage, no expiry, and no delete or purge through the
 * API, so removing a fact takes deliberate reconfiguration that the tamper checks can notice.
 */
export function eventStreamSpec(catalog: Catalog, o: StreamOptions = {}): StreamSpec {
  return {
    name: `${o.namePrefix ?? ''}${EVENTS_STREAM}`,
    description: 'Audit log: every idp.<domain>.<event>.vN fact from the catalog.',
    subjects: catalog.events.map((e) => e.subject).sort(),
    retention: RetentionPolicy.Limits,
    storage: StorageType.File,
    discard: DiscardPolicy.Old,
    max_age: 0,
    max_msgs: -1,
    max_bytes: -1,
    num_replicas: o.replicas ?? 1,
    duplicate_window: nanos(o.duplicateWindowMs ?? 10 * 60_000),
    deny_delete: true,
    deny_purge: true,
  };
}

/** One work-queue stream per queue: a job is removed when a worker acks it, and survives a crash until then. */
export function workQueueStreamSpec(queue: string, o: StreamOptions = {}): StreamSpec {
  return {
    name: `${o.namePrefix ?? ''}${workStreamName(queue)}`,
    description: `Work queue ${queue}: jobs waiting for a worker.`,
    subjects: [workSubjects(queue)],
    retention: RetentionPolicy.Workqueue,
    storage: StorageType.File,
    discard: DiscardPolicy.Old,
    max_age: nanos(7 * 24 * 3600_000),
    num_replicas: o.replicas ?? 1,
    duplicate_window: nanos(o.duplicateWindowMs ?? 10 * 60_000),
  };
}

/** Jobs that failed their last attempt, kept for an operator to inspect and requeue. */
export function deadLetterStreamSpec(o: StreamOptions = {}): StreamSpec {
  return {
    name: `${o.namePrefix ?? ''}${DEAD_LETTER_STREAM}`,
    description: 'Dead letters: jobs given up on after their last attempt.',
    subjects: ['idp.dlq.>'],
    retention: RetentionPolicy.Limits,
    storage: StorageType.File,
    max_age: nanos(30 * 24 * 3600_000),
    num_replicas: o.replicas ?? 1,
  };
}

/**
 * The notary's checkpoints: kept apart from the log they seal, with the same protection (no
 * expiry, no delete or purge through the API). A checkpoint is only ever appended.
 */
export function sealStreamSpec(catalog: Catalog, o: StreamOptions = {}): StreamSpec {
  return {
    name: `${o.namePrefix ?? ''}${SEALS_STREAM}`,
    description: "Audit seals: the notary's signed checkpoints over IDP_EVENTS.",
    subjects: catalog.seals.map((s) => s.subject).sort(),
    retention: RetentionPolicy.Limits,
    storage: StorageType.File,
    discard: DiscardPolicy.Old,
    max_age: 0,
    max_msgs: -1,
    max_bytes: -1,
    num_replicas: o.replicas ?? 1,
    duplicate_window: nanos(o.duplicateWindowMs ?? 10 * 60_000),
    deny_delete: true,
    deny_purge: true,
  };
}

/** Every stream the catalog implies. */
export function streamSpecs(catalog: Catalog, o: StreamOptions = {}): StreamSpec[] {
  return [
    eventStreamSpec(catalog, o),
    ...(catalog.seals.length ? [sealStreamSpec(catalog, o)] : []),
    ...catalog.queues().map((q) => workQueueStreamSpec(q, o)),
    deadLetterStreamSpec(o),
  ];
}

const IMMUTABLE: (keyof StreamConfig)[] = ['retention', 'storage'];

/**
 * Creates missing streams and brings existing ones up to date (new catalog subjects, limits).
 * Idempotent, so every service may run it at start-up and several may race.
 */
export async function ensureStreams(jsm: JetStreamManager, specs: StreamSpec[], log: Logger): Promise<void> {
  for (const spec of specs) {
    let existing: StreamConfig | undefined;
    try {
      existing = (await jsm.streams.info(spec.name)).config;
    } catch (err) {
      if (!isApiError(err, JetStreamApiCodes.StreamNotFound)) throw err;
    }
    if (!existing) {
      try {
        await jsm.streams.add(spec);
        log.info({ stream: spec.name, subjects: spec.subjects.length }, 'stream created');
        continue;
      } catch (err) {
        // Another instance may have created it between our info and add: then check it as usual.
        existing = await jsm.streams.info(spec.name).then(
          (i) => i.config,
          () => undefined,
        );
        if (!existing) throw err;
      }
    }
    for (const key of IMMUTABLE) {
      if (spec[key] !== undefined && existing[key] !== spec[key]) {
        throw new Error(
          `stream ${spec.name} has ${key}=${String(existing[key])} but ${String(spec[key])} is required; ` +
            'it cannot be changed in place: migrate the stream',
        );
      }
    }
    const wanted = {
      ...existing,
      ...spec,
      subjects: [...new Set([...existing.subjects, ...spec.subjects])].sort(),
    };
    if (!sameConfig(existing, wanted)) {
      await jsm.streams.update(spec.name, wanted);
      log.info({ stream: spec.name }, 'stream updated');
    }
  }
}

// Subjects are only ever added: an old subject stays so its events can still be replayed.
function sameConfig(a: StreamConfig, b: StreamConfig): boolean {
  const keys = [
    'subjects',
    'description',
    'max_age',
    'num_replicas',
    'duplicate_window',
    'deny_delete',
    'deny_purge',
  ] as const;
  return keys.every(
    (k) => JSON.stringify(k === 'subjects' ? [...a.subjects].sort() : a[k]) === JSON.stringify(b[k]),
  );
}

export function isApiError(err: unknown, code: number): boolean {
  return err instanceof JetStreamApiError && err.code === code;
}
