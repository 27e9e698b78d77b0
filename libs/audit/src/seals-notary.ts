import { headers as natsHeaders } from '@nats-io/nats-core';
import { JetStreamApiCodes, type JetStreamClient, type JetStreamManager } from '@nats-io/jetstream';
import {
  SIGNATURE_HEADER,
  SealCheckpointV1,
  isApiError,
  type EventSigner,
  type SealCheckpoint,
} from '@idp/events';
import { buildCheckpoint, checkpointHash, type SealState, type StoredMessage } from './seals.js';
import { getStoredMessage, lastSequence, readStream } from './seals-stream.js';

export interface SealerOptions {
  js: JetStreamClient;
  jsm: JetStreamManager;
  /** The sealed stream (`IDP_EVENTS`, or a test's own). */
  eventsStream: string;
  /** Where checkpoints go (`IDP_SEALS`). */
  sealsStream: string;
  /** The checkpoint subject (`idp.seal.checkpoint.v1`). */
  subject: string;
  /** The notary's own key (role `notary` in the trust file). */
  signer: EventSigner;
  /** `notary@<version>/<instance>`, recorded in the checkpoint. */
  notary: string;
  /** At most this many sequence numbers per checkpoint, so a checkpoint stays far below max_payload. */
  maxEventsPerCheckpoint: number;
  now?: () => Date;
}

export type SealOutcome =
  | { kind: 'sealed'; checkpoint: SealCheckpoint; sealSeq: number }
  | { kind: 'nothing_new'; sealedThrough: number }
  /** Another notary appended a checkpoint first; the next round starts from it. */
  | { kind: 'conflict' };

/** The last checkpoint as the chain continues from it, and its sequence number in the seals stream. */
export async function loadSealState(
  jsm: JetStreamManager,
  sealsStream: string,
): Promise<{ sealSeq: number; prev: SealState | null }> {
  const last = (await lastSequence(jsm, sealsStream)) ?? 0;
  if (last === 0) return { sealSeq: 0, prev: null };
  const stored = await getStoredMessage(jsm, sealsStream, last);
  // Sealing on top of a hole would hide it: refuse, and let `audit verify` name what is wrong.
  if (!stored) throw new Error(`${sealsStream}: the last checkpoint (seq ${last}) is missing`);
  const checkpoint = parseCheckpoint(stored.data);
  return {
    sealSeq: last,
    prev: { toSeq: checkpoint.toSeq, hash: checkpointHash(stored.data), chainHead: checkpoint.chainHead },
  };
}

export const parseCheckpoint = (body: Uint8Array): SealCheckpoint =>
  SealCheckpointV1.schema.parse(JSON.parse(new TextDecoder().decode(body)));

const encoder = new TextEncoder();

/**
 * One sealing round: read the events after the last checkpoint (up to the cap), and append a
 * signed checkpoint over them. The append expects the seals stream's last sequence to be the one
 * the round started from, so two notaries never seal the same range twice: the slower one gets a
 * `conflict` and starts from the other's checkpoint next time.
 */
export async function sealOnce(o: SealerOptions): Promise<SealOutcome> {
  const { sealSeq, prev } = await loadSealState(o.jsm, o.sealsStream);
  const fromSeq = (prev?.toSeq ?? 0) + 1;
  const last = (await lastSequence(o.jsm, o.eventsStream)) ?? 0;
  if (last < fromSeq) return { kind: 'nothing_new', sealedThrough: prev?.toSeq ?? 0 };
  const toSeq = Math.min(last, fromSeq + o.maxEventsPerCheckpoint - 1);
  const messages: StoredMessage[] = [];
  for await (const m of readStream(o.js, o.jsm, o.eventsStream, { fromSeq, toSeq })) messages.push(m);
  const checkpoint = buildCheckpoint({
    stream: o.eventsStream,
    prev,
    toSeq,
    messages,
    sealedAt: (o.now ?? (() => new Date()))(),
    notary: o.notary,
    keyId: o.signer.keyId,
  });
  const body = encoder.encode(JSON.stringify(checkpoint));
  const h = natsHeaders();
  h.set(SIGNATURE_HEADER.signature, o.signer.sign(body));
  h.set(SIGNATURE_HEADER.keyId, o.signer.keyId);
  try {
    const ack = await o.js.publish(o.subject, body, {
      headers: h,
      // Same range, same id: a retried publish after a lost ack is dropped as a duplicate.
      msgID: `${o.eventsStream}:${fromSeq}-${toSeq}`,
      expect: { streamName: o.sealsStream, lastSequence: sealSeq },
    });
    if (ack.duplicate) return { kind: 'conflict' };
    return { kind: 'sealed', checkpoint, sealSeq: ack.seq };
  } catch (err) {
    if (isApiError(err, JetStreamApiCodes.StreamWrongLastSequence)) return { kind: 'conflict' };
    throw err;
  }
}
