import { z } from 'zod';
import { defineSeal } from '../define.js';

const seq = z.number().int().positive();

/**
 * The notary's signed checkpoint over a range of the audit log. The digests name every sequence
 * number, so a verifier can say exactly which message went missing, changed or moved; the hash
 * links chain every checkpoint to the one before, so a checkpoint cannot be dropped unnoticed.
 * Signed like events: Ed25519 over the exact body bytes, in the `Idp-Signature` headers.
 */
export const SealCheckpointV1 = defineSeal(
  'idp.seal.checkpoint.v1',
  z
    .object({
      /** The sealed stream (`IDP_EVENTS`). */
      stream: z.string().min(1),
      fromSeq: seq,
      toSeq: seq,
      /**
       * One per sequence number from `fromSeq` to `toSeq`: base64 of the first 16 bytes of SHA-256
       * over subject, signature key id, signature and body; `null` where the stream had no message.
       */
      digests: z.array(z.string().min(1).nullable()),
      /** Sequence numbers inside the range the stream no longer held when this was sealed. */
      gaps: z.array(seq),
      /** Base64 SHA-256 of the previous checkpoint's body; `null` for the first one. */
      prevCheckpointHash: z.string().nullable(),
      /** Base64 SHA-256 chain over every sealed sequence and digest since the first checkpoint. */
      chainHead: z.string().min(1),
      sealedAt: z.string().datetime({ offset: true }),
      /** The notary instance (`notary@<version>/<instance>`). */
      notary: z.string().min(1),
      /** The notary's signing key id, as in the `Idp-Signature-Key` header. */
      keyId: z.string().min(1),
    })
    .refine((c) => c.toSeq >= c.fromSeq, { message: 'toSeq must not be below fromSeq', path: ['toSeq'] })
    .refine((c) => c.digests.length === c.toSeq - c.fromSeq + 1, {
      message: 'one digest (or null) per sequence number in the range',
      path: ['digests'],
    }),
  'A signed checkpoint over a range of the audit log (per-sequence digests, hash-chained to the previous one).',
);
export type SealCheckpoint = z.infer<typeof SealCheckpointV1.schema>;

export const SEAL_CONTRACTS = [SealCheckpointV1] as const;
