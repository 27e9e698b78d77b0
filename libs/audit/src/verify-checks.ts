import { verifySignature } from '@idp/events';
import {
  GENESIS_CHAIN_HEAD,
  advanceChain,
  checkpointHash,
  messageDigest,
  type StoredMessage,
} from './seals.js';
import { parseCheckpoint } from './seals-notary.js';
import type { Trust, TrustRole } from './verify-trust.js';

export type FindingKind =
  /** A sequence number without a message: deleted (JetStream numbers messages without holes). */
  | 'missing'
  /** The message differs from what the notary sealed at that sequence number. */
  | 'altered'
  /** The message is one the notary sealed, but at another sequence number. */
  | 'reordered'
  | 'unsigned'
  /** Signed by a key the trust file does not hold. */
  | 'unknown_key'
  /** Signed by a trusted key of the wrong role (a producer key on a checkpoint, or the reverse). */
  | 'wrong_key_role'
  | 'bad_signature'
  /** A checkpoint that is not a valid checkpoint document. */
  | 'checkpoint_invalid'
  /** A checkpoint whose links (previous hash, range, chain head, gaps) do not follow from the one before. */
  | 'chain_broken';

export interface Finding {
  kind: FindingKind;
  /** Which stream the sequence numbers are in. */
  stream: string;
  seq: number;
  /** Set when the finding covers a run of sequence numbers (`missing` runs). */
  toSeq?: number;
  detail: string;
}

/** Why a stored message's signature does not hold, or `undefined` when it does. */
export function signatureProblem(
  m: StoredMessage,
  trust: Trust,
  role: TrustRole,
): { kind: FindingKind; detail: string } | undefined {
  if (!m.signature || !m.keyId) return { kind: 'unsigned', detail: `${m.subject} carries no signature` };
  const key = trust.get(m.keyId);
  if (!key)
    return { kind: 'unknown_key', detail: `${m.subject} signed by key ${m.keyId}, not in the trust file` };
  if (key.role !== role)
    return {
      kind: 'wrong_key_role',
      detail: `${m.subject} signed by ${key.service}'s ${key.role} key; a ${role} key is required`,
    };
  if (!verifySignature(key.publicKey, m.data, m.signature))
    return {
      kind: 'bad_signature',
      detail: `${m.subject}: the signature of ${key.service}'s key does not match`,
    };
  return undefined;
}

/** What the checkpoints say the events stream held: a digest (or `null`, a gap) per sealed sequence number. */
export interface SealIndex {
  digests: Map<number, string | null>;
  /** Sealed digest → the sequence number it was sealed at (to tell "moved" from "changed"). */
  seqOfDigest: Map<string, number>;
  /** The highest sequence number a trusted checkpoint covers (0: none). */
  sealedThrough: number;
  checkpoints: number;
  findings: Finding[];
}

/**
 * Checks the seals stream in order: each checkpoint's signature (notary role), its links to the
 * previous one, its recomputed chain head, and holes in the seals stream itself. Only checkpoints
 * that pass lend their digests to the event checks. After a broken link the chain continues from
 * the checkpoint as it stands, so one break is reported once rather than for every later one.
 */
export class CheckpointChecker {
  private readonly index: SealIndex = {
    digests: new Map(),
    seqOfDigest: new Map(),
    sealedThrough: 0,
    checkpoints: 0,
    findings: [],
  };
  private lastSeq = 0;
  private prev: { hash: string; toSeq: number; chainHead: string } | null = null;

  constructor(
    private readonly trust: Trust,
    private readonly o: { sealsStream: string; eventsStream: string },
  ) {}

  private finding(kind: FindingKind, seq: number, detail: string, toSeq?: number) {
    this.index.findings.push({ kind, stream: this.o.sealsStream, seq, detail, ...(toSeq ? { toSeq } : {}) });
  }

  add(m: StoredMessage): void {
    if (m.seq > this.lastSeq + 1)
      this.finding('missing', this.lastSeq + 1, 'checkpoint deleted from the seals stream', m.seq - 1);
    this.lastSeq = m.seq;
    this.index.checkpoints++;
    const sig = signatureProblem(m, this.trust, 'notary');
    if (sig) this.finding(sig.kind, m.seq, sig.detail);
    let c;
    try {
      c = parseCheckpoint(m.data);
    } catch (err) {
      this.finding(
        'checkpoint_invalid',
        m.seq,
        err instanceof Error ? err.message.slice(0, 200) : String(err),
      );
      return;
    }
    const links: string[] = [];
    if (c.stream !== this.o.eventsStream) links.push(`seals stream ${c.stream}, not ${this.o.eventsStream}`);
    if (c.keyId !== m.keyId) links.push(`names key ${c.keyId} but is signed by ${m.keyId ?? 'no key'}`);
    if (c.prevCheckpointHash !== (this.prev?.hash ?? null))
      links.push(
        this.prev ? 'does not link to the previous checkpoint' : 'the first checkpoint links to another',
      );
    const expectedFrom = (this.prev?.toSeq ?? 0) + 1;
    if (c.fromSeq !== expectedFrom) links.push(`starts at ${c.fromSeq}, expected ${expectedFrom}`);
    const gaps = c.digests.flatMap((d, i) => (d === null ? [c.fromSeq + i] : []));
    if (JSON.stringify(gaps) !== JSON.stringify(c.gaps))
      links.push('its gap list disagrees with its digests');
    if (advanceChain(this.prev?.chainHead ?? GENESIS_CHAIN_HEAD, c.fromSeq, c.digests) !== c.chainHead)
      links.push('its chain head does not follow from the previous one and its digests');
    if (links.length) this.finding('chain_broken', m.seq, links.join('; '));
    this.prev = { hash: checkpointHash(m.data), toSeq: c.toSeq, chainHead: c.chainHead };
    if (sig) return;
    c.digests.forEach((d, i) => {
      const seq = c.fromSeq + i;
      this.index.digests.set(seq, d);
      if (d !== null) this.index.seqOfDigest.set(d, seq);
    });
    this.index.sealedThrough = Math.max(this.index.sealedThrough, c.toSeq);
  }

  /** `lastSeq`: the seals stream's last sequence number, to notice checkpoints deleted at its end. */
  finish(lastSeq: number): SealIndex {
    if (lastSeq > this.lastSeq)
      this.finding('missing', this.lastSeq + 1, 'checkpoint deleted from the seals stream', lastSeq);
    return this.index;
  }
}

/**
 * Checks the events stream in order against the seal index: each message's signature (producer
 * role) and digest, and every sequence number without a message.
 */
export class EventChecker {
  private lastSeq = 0;
  readonly findings: Finding[] = [];
  events = 0;
  unsealed = 0;
  firstUnsealed?: number;

  constructor(
    private readonly trust: Trust,
    private readonly seals: SealIndex,
    private readonly stream: string,
  ) {}

  private finding(kind: FindingKind, seq: number, detail: string, toSeq?: number) {
    this.findings.push({
      kind,
      stream: this.stream,
      seq,
      detail,
      ...(toSeq && toSeq !== seq ? { toSeq } : {}),
    });
  }

  /** `signature`: the outcome of {@link signatureProblem}, computed ahead (possibly on another thread). */
  add(
    m: StoredMessage,
    signature: ReturnType<typeof signatureProblem> = signatureProblem(m, this.trust, 'producer'),
  ) {
    this.gapUpTo(m.seq - 1);
    this.lastSeq = m.seq;
    this.events++;
    if (signature) this.finding(signature.kind, m.seq, signature.detail);
    const expected = this.seals.digests.get(m.seq);
    if (m.seq > this.seals.sealedThrough || expected === undefined) {
      this.unsealed++;
      this.firstUnsealed ??= m.seq;
      return;
    }
    const digest = messageDigest(m);
    if (digest === expected) return;
    if (expected === null) {
      this.finding('altered', m.seq, `${m.subject}: a message where the seal recorded none`);
      return;
    }
    const sealedAt = this.seals.seqOfDigest.get(digest);
    if (sealedAt !== undefined)
      this.finding('reordered', m.seq, `${m.subject}: sealed at seq ${sealedAt}, found at seq ${m.seq}`);
    else this.finding('altered', m.seq, `${m.subject}: differs from the sealed message`);
  }

  /** Reports sequence numbers up to `seq` that had no message, in runs of the same cause. */
  private gapUpTo(seq: number) {
    let from = this.lastSeq + 1;
    while (from <= seq) {
      const cause = this.gapCause(from);
      let to = from;
      while (to + 1 <= seq && this.gapCause(to + 1) === cause) to++;
      this.finding('missing', from, cause, to);
      from = to + 1;
    }
  }

  private gapCause(seq: number): string {
    if (seq > this.seals.sealedThrough || !this.seals.digests.has(seq))
      return 'no message, and not sealed yet (JetStream numbers have no holes: it was deleted)';
    return this.seals.digests.get(seq) === null
      ? 'already missing when the notary sealed this range'
      : 'sealed by the notary, now gone from the stream';
  }

  /** `lastSeq`: the events stream's last sequence number; sealed sequence numbers count too. */
  finish(lastSeq: number): Finding[] {
    this.gapUpTo(Math.max(lastSeq, this.seals.sealedThrough));
    return this.findings;
  }
}
