import type { JetStreamClient, PubAck } from '@nats-io/jetstream';
import type { Catalog } from './catalog.js';
import type { EventData, MessageDef } from './define.js';
import { Envelope, newEventId } from './envelope.js';
import { DomainError } from './errors.js';
import { contextHeaders, type MessageContext } from './nats.js';
import { SIGNATURE_HEADER, type EventSigner } from './signing.js';

export interface MessageInput<E extends MessageDef> {
  aggregate: Envelope['aggregate'];
  actor?: Envelope['actor'];
  data: EventData<E>;
  /** Set when the id must be stable across retries (e.g. derived from a request). */
  id?: string;
}

/**
 * Builds a complete envelope, validating `data` against the subject's schema. Used by the direct
 * publisher and by the outbox, which stores the envelope and publishes it later.
 */
export function buildEnvelope<E extends MessageDef>(
  def: E,
  input: MessageInput<E>,
  ctx: MessageContext,
  o: { producer: string; catalog: Catalog; now?: () => Date },
): Envelope<EventData<E>> {
  if (o.catalog.message(def.subject) !== def) {
    throw new DomainError('internal', 'events.unknown_subject', {
      message: `${def.subject} is not in the catalog`,
    });
  }
  const data = def.schema.safeParse(input.data);
  if (!data.success) {
    throw new DomainError('internal', 'events.invalid_payload', {
      message: `${def.subject}: ${data.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    });
  }
  return {
    id: input.id ?? newEventId(),
    subject: def.subject,
    occurredAt: (o.now?.() ?? new Date()).toISOString(),
    producer: o.producer,
    aggregate: input.aggregate,
    actor: input.actor ?? { kind: 'service', id: o.producer },
    correlationId: ctx.correlationId,
    ...(ctx.causationId ? { causationId: ctx.causationId } : {}),
    data: data.data as EventData<E>,
  };
}

const encoder = new TextEncoder();

/**
 * Publishes a built envelope with `Nats-Msg-Id` = envelope id: a retry within the window is a no-op.
 * The signature covers the exact bytes sent, so a verifier needs no canonical form of the JSON.
 */
export async function publishEnvelope(
  js: JetStreamClient,
  env: Envelope,
  signer: EventSigner,
  timeoutMs = 5000,
): Promise<PubAck> {
  const body = encoder.encode(JSON.stringify(env));
  try {
    return await js.publish(env.subject, body, {
      msgID: env.id,
      headers: contextHeaders(env, {
        [SIGNATURE_HEADER.signature]: signer.sign(body),
        [SIGNATURE_HEADER.keyId]: signer.keyId,
      }),
      timeout: timeoutMs,
    });
  } catch (cause) {
    throw new DomainError('unavailable', 'events.publish_failed', {
      cause,
      message: `publish of ${env.subject} failed`,
    });
  }
}

export interface Publisher {
  publish<E extends MessageDef>(def: E, input: MessageInput<E>, ctx: MessageContext): Promise<PubAck>;
}

/**
 * For services without a database (gateway, otp-sender): publish straight to JetStream.
 * Services with a database use the outbox in @idp/db so state and event commit together.
 */
export function createPublisher(
  js: JetStreamClient,
  o: { producer: string; catalog: Catalog; signer: EventSigner; now?: () => Date },
): Publisher {
  return {
    // async so an invalid payload rejects the promise rather than throwing at the call site.
    publish: async (def, input, ctx) => publishEnvelope(js, buildEnvelope(def, input, ctx, o), o.signer),
  };
}

/** Parses an envelope from bytes; rejects anything that is not one. */
export function parseEnvelope(bytes: Uint8Array): Envelope {
  return Envelope.parse(JSON.parse(new TextDecoder().decode(bytes)));
}
