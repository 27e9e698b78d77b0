import { createHash } from 'node:crypto';
import type { SealCheckpoint } from '@idp/events';

/** One message as JetStream stores it, with the signature headers it carried. */
export interface StoredMessage {
  seq: number;
  subject: string;
  /** `Idp-Signature-Key`, when the message carried one. */
  keyId?: string;
  /** `Idp-Signature` (base64), when the message carried one. */
  signature?: string;
  data: Uint8Array;
}

export const DIGEST_BYTES = 16;
const NUL = Buffer.from([0]);

/**
 * What a checkpoint records per sequence number: base64 of the first 16 bytes of SHA-256 over
 * subject, signature key id, signature and body (NUL-separated; none of the first three may hold
 * a NUL). The signature is inside, so re-signing a message with another key also changes it.
 */
export function messageDigest(m: Omit<StoredMessage, 'seq'>): string {
  return createHash('sha256')
    .update(m.subject)
    .update(NUL)
    .update(m.keyId ?? '')
    .update(NUL)
    .update(m.signature ?? '')
    .update(NUL)
    .update(m.data)
    .digest()
    .subarray(0, DIGEST_BYTES)
    .toString('base64');
}

/** The chain head before the first checkpoint. */
export const GENESIS_CHAIN_HEAD = Buffer.alloc(32).toString('base64');

/**
 * Extends the hash chain by a range: head = SHA-256(head ‖ seq ‖ digest) per sequence number, a
 * gap entered as an empty digest. The head of the last checkpoint commits to the whole sealed log.
 */
export function advanceChain(prevHead: string, fromSeq: number, digests: readonly (string | null)[]): string {
  let head = Buffer.from(prevHead, 'base64');
  const seqBytes = Buffer.alloc(8);
  digests.forEach((d, i) => {
    seqBytes.writeBigUInt64BE(BigInt(fromSeq + i));
    head = createHash('sha256')
      .update(head)
      .update(seqBytes)
      .update(d === null ? Buffer.alloc(0) : Buffer.from(d, 'base64'))
      .digest();
  });
  return head.toString('base64');
}

/** Base64 SHA-256 of a checkpoint's body bytes as stored: what the next checkpoint links to. */
export const checkpointHash = (body: Uint8Array): string =>
  createHash('sha256').update(body).digest().toString('base64');

/** Where the previous checkpoint left the chain; `null` before the first. */
export interface SealState {
  toSeq: number;
  /** {@link checkpointHash} of its body. */
  hash: string;
  chainHead: string;
}

/**
 * The next checkpoint over `[fromSeq, toSeq]` from the messages read in that range (in order).
 * Sequence numbers without a message become gaps: JetStream numbers messages without holes, so a
 * hole means a message was deleted.
 */
export function buildCheckpoint(o: {
  stream: string;
  prev: SealState | null;
  toSeq: number;
  messages: readonly StoredMessage[];
  sealedAt: Date;
  notary: string;
  keyId: string;
}): SealCheckpoint {
  const fromSeq = (o.prev?.toSeq ?? 0) + 1;
  if (o.toSeq < fromSeq) throw new Error(`nothing to seal: toSeq ${o.toSeq} < fromSeq ${fromSeq}`);
  const digests: (string | null)[] = new Array<string | null>(o.toSeq - fromSeq + 1).fill(null);
  for (const m of o.messages) {
    if (m.seq < fromSeq || m.seq > o.toSeq)
      throw new Error(`message ${m.seq} outside [${fromSeq}, ${o.toSeq}]`);
    digests[m.seq - fromSeq] = messageDigest(m);
  }
  const gaps = digests.flatMap((d, i) => (d === null ? [fromSeq + i] : []));
  return {
    stream: o.stream,
    fromSeq,
    toSeq: o.toSeq,
    digests,
    gaps,
    prevCheckpointHash: o.prev?.hash ?? null,
    chainHead: advanceChain(o.prev?.chainHead ?? GENESIS_CHAIN_HEAD, fromSeq, digests),
    sealedAt: o.sealedAt.toISOString(),
    notary: o.notary,
    keyId: o.keyId,
  };
}
