import type { MsgHdrs } from '@nats-io/nats-core';
import { Envelope, catalog as defaultCatalog, type Catalog } from '@idp/events';
import { z } from 'zod';

/** Why a stored message does not fit: the first failing check, in the order they are applied. */
export type ProblemKind =
  /** The body is not JSON. */
  | 'not_json'
  /** The body is JSON but not an envelope. */
  | 'invalid_envelope'
  /** `envelope.subject` differs from the subject the message was stored under. */
  | 'subject_mismatch'
  /** The catalog has no event of that subject (nor any older schema for it). */
  | 'unknown_subject'
  /** `data` does not fit the subject's schema. */
  | 'invalid_data';

export interface EventProblem {
  kind: ProblemKind;
  /** One line per zod issue: `path: message` (path `(root)` for the whole value). */
  issues: string[];
}

/**
 * One message of the stream as replay hands it out. The open shape is deliberate: signature
 * checks read `headers` and `body` (the exact bytes that were signed), projections read `envelope`.
 */
export interface ReplayedEvent {
  /** Stream sequence. */
  seq: number;
  /** When the server stored it (not `envelope.occurredAt`, which the producer chose). */
  time: Date;
  /** The subject the message was stored under. */
  subject: string;
  headers: MsgHdrs | undefined;
  /** The body exactly as stored. */
  body: Uint8Array;
  /** The parsed envelope; present whenever the envelope itself fits, even when `data` does not. */
  envelope: Envelope | undefined;
  /** Set when the message does not fit its schema. */
  problem: EventProblem | undefined;
}

const issueLines = (err: z.ZodError, under?: string): string[] =>
  err.issues.map((i) => {
    const path = [...(under ? [under] : []), ...i.path.map(String)];
    return `${path.length > 0 ? path.join('.') : '(root)'}: ${i.message}`;
  });

const ENVELOPE_KEYS = 'id,subject,occurredAt,producer,aggregate,actor,correlationId,causationId,data';
const UUID = z.regexes.uuid();
const DATETIME_WITH_OFFSET = z.regexes.datetime({ offset: true, local: false, precision: null });
const ACTOR_KINDS: ReadonlySet<unknown> = new Set(Envelope.shape.actor.shape.kind.options);

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const nonEmpty = (v: unknown) => typeof v === 'string' && v.length > 0;
const optString = (v: unknown) => v === undefined || typeof v === 'string';

/**
 * The envelope schema's rules as plain checks, with zod's own regexes: about four times faster than
 * `Envelope.safeParse`, which builds a copy of every event. Used only as a "certainly valid" fast
 * path (anything it refuses goes to zod for the verdict and the issue paths), and only while the
 * schema has exactly the fields written here; a unit test holds it to zod's verdicts.
 */
export const fastEnvelopeCheck: ((v: unknown) => boolean) | undefined =
  Object.keys(Envelope.shape).join() === ENVELOPE_KEYS &&
  Object.keys(Envelope.shape.aggregate.shape).join() === 'type,id' &&
  Object.keys(Envelope.shape.actor.shape).join() === 'kind,id'
    ? (v) => {
        if (!isObject(v)) return false;
        const { aggregate, actor } = v;
        return (
          typeof v.id === 'string' &&
          UUID.test(v.id) &&
          nonEmpty(v.subject) &&
          typeof v.occurredAt === 'string' &&
          DATETIME_WITH_OFFSET.test(v.occurredAt) &&
          nonEmpty(v.producer) &&
          isObject(aggregate) &&
          nonEmpty(aggregate.type) &&
          nonEmpty(aggregate.id) &&
          isObject(actor) &&
          ACTOR_KINDS.has(actor.kind) &&
          optString(actor.id) &&
          nonEmpty(v.correlationId) &&
          optString(v.causationId)
        );
      }
    : undefined;

export interface Validator {
  /** Parses and validates one body stored under `subject`. */
  check(subject: string, body: Uint8Array): Pick<ReplayedEvent, 'envelope' | 'problem'>;
}

/**
 * The envelope schema, then the subject's own schema from the catalog. One decoder and one schema
 * lookup per subject for the whole replay: this runs once per event of a log of millions.
 */
export function createValidator(catalog: Catalog = defaultCatalog): Validator {
  const decoder = new TextDecoder();
  // Node's Buffer decodes UTF-8 faster than TextDecoder; the body is usually a Buffer slice already.
  const decode = (b: Uint8Array) => (Buffer.isBuffer(b) ? b.toString('utf8') : decoder.decode(b));
  const schemas = new Map<string, z.ZodType | null>();
  const schemaOf = (subject: string) => {
    let s = schemas.get(subject);
    if (s === undefined) {
      s = catalog.message(subject)?.schema ?? null;
      schemas.set(subject, s);
    }
    return s;
  };
  return {
    check(subject, body) {
      let json: unknown;
      try {
        json = JSON.parse(decode(body));
      } catch (err) {
        return {
          envelope: undefined,
          problem: {
            kind: 'not_json',
            issues: [`(root): ${err instanceof Error ? err.message : String(err)}`],
          },
        };
      }
      if (!fastEnvelopeCheck?.(json)) {
        const env = Envelope.safeParse(json);
        if (!env.success) {
          return {
            envelope: undefined,
            problem: { kind: 'invalid_envelope', issues: issueLines(env.error) },
          };
        }
      }
      // The stored object, not zod's copy: unknown fields a newer producer added stay visible.
      const envelope = json as Envelope;
      if (envelope.subject !== subject) {
        return {
          envelope,
          problem: {
            kind: 'subject_mismatch',
            issues: [`subject: envelope says ${envelope.subject}, stored under ${subject}`],
          },
        };
      }
      const schema = schemaOf(subject);
      if (!schema) {
        return {
          envelope,
          problem: { kind: 'unknown_subject', issues: [`subject: ${subject} is not in the catalog`] },
        };
      }
      const data = schema.safeParse(envelope.data);
      if (!data.success) {
        return {
          envelope,
          problem: { kind: 'invalid_data', issues: issueLines(data.error, 'data') },
        };
      }
      return { envelope, problem: undefined };
    },
  };
}
