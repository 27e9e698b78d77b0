import {
  DeliverPolicy,
  JetStreamApiCodes,
  type JetStreamClient,
  type JetStreamManager,
  type JsMsg,
} from '@nats-io/jetstream';
import { SIGNATURE_HEADER, isApiError } from '@idp/events';
import type { StoredMessage } from './seals.js';

export const toStoredMessage = (m: JsMsg): StoredMessage => {
  const keyId = m.headers?.get(SIGNATURE_HEADER.keyId);
  const signature = m.headers?.get(SIGNATURE_HEADER.signature);
  return {
    seq: m.seq,
    subject: m.subject,
    ...(keyId ? { keyId } : {}),
    ...(signature ? { signature } : {}),
    data: m.data,
  };
};

/** The stream's last sequence number (0 when it never held a message); `undefined` when it does not exist. */
export async function lastSequence(jsm: JetStreamManager, stream: string): Promise<number | undefined> {
  try {
    return (await jsm.streams.info(stream)).state.last_seq;
  } catch (err) {
    if (isApiError(err, JetStreamApiCodes.StreamNotFound)) return undefined;
    throw err;
  }
}

/**
 * The messages of `stream` from `fromSeq` up to `toSeq` (default: the last one now), in order,
 * through an ordered consumer: no durable state on the server, and a gap in the sequence
 * numbers shows as a jump. Stops early at `max` messages.
 */
export async function* readStream(
  js: JetStreamClient,
  jsm: JetStreamManager,
  stream: string,
  o: { fromSeq: number; toSeq?: number; max?: number; batch?: number },
): AsyncGenerator<StoredMessage> {
  const last = await lastSequence(jsm, stream);
  if (last === undefined) return;
  const end = Math.min(o.toSeq ?? last, last);
  if (end < o.fromSeq) return;
  const max = o.max ?? Number.POSITIVE_INFINITY;
  const batch = o.batch ?? 500;
  const consumer = await js.consumers.get(stream, {
    deliver_policy: DeliverPolicy.StartSequence,
    opt_start_seq: Math.max(1, o.fromSeq),
  });
  let count = 0;
  try {
    for (;;) {
      const msgs = await consumer.fetch({ max_messages: Math.min(batch, max - count), expires: 2000 });
      let got = 0;
      for await (const m of msgs) {
        got++;
        if (m.seq > end) return;
        yield toStoredMessage(m);
        count++;
        // pending 0: nothing after this one (the messages up to `end` may have been deleted).
        if (m.seq >= end || count >= max || m.info.pending === 0) return;
      }
      if (got === 0) return;
    }
  } finally {
    await consumer.delete().catch(() => undefined);
  }
}

/** One stored message by sequence number; `undefined` when there is none (deleted, or beyond the end). */
export async function getStoredMessage(
  jsm: JetStreamManager,
  stream: string,
  seq: number,
): Promise<StoredMessage | undefined> {
  try {
    const m = await jsm.streams.getMessage(stream, { seq });
    if (!m) return undefined;
    const keyId = m.header?.get(SIGNATURE_HEADER.keyId);
    const signature = m.header?.get(SIGNATURE_HEADER.signature);
    return {
      seq: m.seq,
      subject: m.subject,
      ...(keyId ? { keyId } : {}),
      ...(signature ? { signature } : {}),
      data: m.data,
    };
  } catch (err) {
    if (isApiError(err, JetStreamApiCodes.NoMessageFound)) return undefined;
    throw err;
  }
}
