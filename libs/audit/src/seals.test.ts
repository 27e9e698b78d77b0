import { expect } from 'chai';
import { createTestSigner } from '@idp/events';
import {
  GENESIS_CHAIN_HEAD,
  advanceChain,
  buildCheckpoint,
  checkpointHash,
  messageDigest,
  type StoredMessage,
} from './seals.js';
import { CheckpointChecker, EventChecker, signatureProblem } from './verify-checks.js';
import { parseTrust } from './verify-trust.js';

const producer = createTestSigner();
const notary = createTestSigner();
const trust = parseTrust(
  JSON.stringify({
    version: 1,
    keys: [
      { keyId: producer.keyId, service: 'accounts', publicKey: producer.publicKeyPem, role: 'producer' },
      { keyId: notary.keyId, service: 'notary', publicKey: notary.publicKeyPem, role: 'notary' },
    ],
  }),
);
const enc = new TextEncoder();
const event = (seq: number, body = `{"n":${seq}}`, signer = producer): StoredMessage => {
  const data = enc.encode(body);
  return { seq, subject: 'idp.test.happened.v1', keyId: signer.keyId, signature: signer.sign(data), data };
};
const sealMsg = (seq: number, c: object, signer = notary): StoredMessage => {
  const data = enc.encode(JSON.stringify(c));
  return { seq, subject: 'idp.seal.checkpoint.v1', keyId: signer.keyId, signature: signer.sign(data), data };
};
const T0 = new Date('2026-01-01T00:00:00Z');
const checkpoint = (
  msgs: StoredMessage[],
  toSeq: number,
  prev: Parameters<typeof buildCheckpoint>[0]['prev'] = null,
) =>
  buildCheckpoint({
    stream: 'IDP_EVENTS',
    prev,
    toSeq,
    messages: msgs,
    sealedAt: T0,
    notary: 'notary@1/1',
    keyId: notary.keyId,
  });

describe('seals: digests and the hash chain', () => {
  it('changes the digest with the subject, the signature or one body byte', () => {
    const m = event(1);
    const d = messageDigest(m);
    expect(Buffer.from(d, 'base64')).to.have.length(16);
    expect(messageDigest({ ...m, subject: 'idp.test.other.v1' })).to.not.equal(d);
    expect(messageDigest({ ...m, signature: producer.sign(enc.encode('x')) })).to.not.equal(d);
    expect(messageDigest({ ...m, data: enc.encode('{"n":2}') })).to.not.equal(d);
  });

  it('records gaps and chains heads: two checkpoints give the head of one over the whole range', () => {
    const msgs = [event(1), event(2), event(4)];
    const one = checkpoint(msgs, 4);
    expect(one).to.include({ fromSeq: 1, toSeq: 4, prevCheckpointHash: null });
    expect(one.gaps).to.deep.equal([3]);
    expect(one.digests[2]).to.equal(null);
    const a = checkpoint(msgs.slice(0, 2), 2);
    const b = checkpoint(msgs.slice(2), 4, { toSeq: 2, hash: 'h', chainHead: a.chainHead });
    expect(b.chainHead).to.equal(one.chainHead);
    expect(b.prevCheckpointHash).to.equal('h');
    expect(advanceChain(GENESIS_CHAIN_HEAD, 1, [null])).to.not.equal(
      advanceChain(GENESIS_CHAIN_HEAD, 2, [null]),
    );
  });
});

describe('verify checks', () => {
  it('names unsigned, unknown-key, wrong-role and bad signatures', () => {
    const m = event(1);
    expect(signatureProblem(m, trust, 'producer')).to.equal(undefined);
    expect(signatureProblem({ ...m, signature: undefined }, trust, 'producer')?.kind).to.equal('unsigned');
    expect(signatureProblem(event(1, '{}', createTestSigner()), trust, 'producer')?.kind).to.equal(
      'unknown_key',
    );
    expect(signatureProblem(m, trust, 'notary')?.kind).to.equal('wrong_key_role');
    expect(signatureProblem({ ...m, data: enc.encode('{"n":9}') }, trust, 'producer')?.kind).to.equal(
      'bad_signature',
    );
  });

  it('refuses a trust file whose key id does not match its key', () => {
    const bad = {
      version: 1,
      keys: [{ keyId: notary.keyId, service: 'x', publicKey: producer.publicKeyPem, role: 'producer' }],
    };
    expect(() => parseTrust(JSON.stringify(bad))).to.throw(/does not match/);
  });

  function check(sealed: StoredMessage[], seals: object[], stored: StoredMessage[], lastSeq: number) {
    const cc = new CheckpointChecker(trust, { sealsStream: 'S', eventsStream: 'IDP_EVENTS' });
    seals.forEach((c, i) => cc.add(sealMsg(i + 1, c)));
    const index = cc.finish(seals.length);
    const ec = new EventChecker(trust, index, 'IDP_EVENTS');
    for (const m of stored) ec.add(m);
    return [...index.findings, ...ec.finish(lastSeq)].map((f) => [f.kind, f.seq, f.toSeq ?? f.seq]);
  }

  it('names missing, altered and reordered sequence numbers against the seal', () => {
    const log = [1, 2, 3, 4, 5].map((n) => event(n));
    const seals = [checkpoint(log, 5)];
    expect(check(log, seals, log, 5)).to.deep.equal([]);
    expect(check(log, seals, [log[0]!, log[1]!, log[3]!, log[4]!], 5)).to.deep.equal([['missing', 3, 3]]);
    expect(check(log, seals, [log[0]!, log[1]!, log[2]!], 5)).to.deep.equal([['missing', 4, 5]]);
    const swapped = [log[0]!, { ...log[2]!, seq: 2 }, { ...log[1]!, seq: 3 }, log[3]!, log[4]!];
    expect(check(log, seals, swapped, 5)).to.deep.equal([
      ['reordered', 2, 2],
      ['reordered', 3, 3],
    ]);
    const resigned = [log[0]!, event(2, '{"n":20}'), ...log.slice(2)];
    expect(check(log, seals, resigned, 5)).to.deep.equal([['altered', 2, 2]]);
  });

  it('names a broken chain: a checkpoint that skips a range or does not link back', () => {
    const log = [1, 2, 3, 4].map((n) => event(n));
    const a = checkpoint(log.slice(0, 2), 2);
    const linked = checkpoint(log.slice(2), 4, {
      toSeq: 2,
      hash: checkpointHash(enc.encode(JSON.stringify(a))),
      chainHead: a.chainHead,
    });
    expect(check(log, [a, linked], log, 4)).to.deep.equal([]);
    const unlinked = checkpoint(log.slice(2), 4, { toSeq: 2, hash: 'elsewhere', chainHead: a.chainHead });
    expect(check(log, [a, unlinked], log, 4)).to.deep.equal([['chain_broken', 2, 2]]);
  });
});
