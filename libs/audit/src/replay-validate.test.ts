import { expect } from 'chai';
import { Envelope, catalog } from '@idp/events';
import { sampleJourneys } from './replay-fixtures.js';
import { createValidator, fastEnvelopeCheck } from './replay-validate.js';

const enc = new TextEncoder();
const body = (v: unknown) => enc.encode(JSON.stringify(v));

describe('replay-validate createValidator()', () => {
  const v = createValidator(catalog);
  const good = sampleJourneys({ events: 30, seed: 5 });

  it('passes the events the services publish', () => {
    for (const e of good)
      expect(v.check(e.subject, body(e)), e.subject).to.deep.equal({ envelope: e, problem: undefined });
  });

  it('names the first failing check with the zod issue paths', () => {
    const e = good.find((x) => x.subject === 'idp.saml.assertion_issued.v1')!;
    expect(v.check(e.subject, enc.encode('{')).problem!.kind).to.equal('not_json');
    expect(v.check(e.subject, body({ ...e, id: 'x' })).problem).to.deep.include({ kind: 'invalid_envelope' });
    expect(v.check(e.subject, body({ ...e, id: 'x' })).problem!.issues[0]).to.match(/^id: /);
    expect(v.check('idp.otp.sms_sent.v1', body(e)).problem!.kind).to.equal('subject_mismatch');
    expect(
      v.check('idp.gone.thing_happened.v1', body({ ...e, subject: 'idp.gone.thing_happened.v1' })).problem!
        .kind,
    ).to.equal('unknown_subject');
    const badData = v.check(e.subject, body({ ...e, data: { ...(e.data as object), level: 'ultra' } }));
    expect(badData.problem).to.deep.equal({ kind: 'invalid_data', issues: [badData.problem!.issues[0]!] });
    expect(badData.problem!.issues[0]).to.match(/^data\.level: /);
    expect(badData.envelope!.id).to.equal(e.id);
  });

  it('keeps the stored envelope, unknown fields included', () => {
    const e = { ...good[0]!, seal: 'abc' };
    expect(v.check(e.subject, body(e)).envelope).to.have.property('seal', 'abc');
  });
});

describe('replay-validate fastEnvelopeCheck', () => {
  it('is active for the current envelope schema', () => expect(fastEnvelopeCheck).to.be.a('function'));

  it('never accepts what the envelope schema refuses', () => {
    const base = sampleJourneys({ events: 1, seed: 1 })[0]!;
    const variants: unknown[] = [base, { ...base, causationId: base.id }, null, [], 'x'];
    const bad: Record<string, unknown[]> = {
      id: [undefined, '', 'not-a-uuid', 42, '019a0000-0000-9000-8000-000000000001'],
      subject: [undefined, '', 7],
      occurredAt: [
        undefined,
        '2026-11-01',
        '2026-11-01T00:00:00',
        '2026-02-30T00:00:00Z',
        '2026-11-01T00:00:00+01:00',
        'x',
      ],
      producer: ['', null],
      aggregate: [undefined, {}, { type: '', id: 'x' }, { type: 'x', id: '' }, { type: 'x' }, []],
      actor: [undefined, {}, { kind: 'robot' }, { kind: 'user', id: 5 }, { kind: 'user', id: 'u' }],
      correlationId: [undefined, '', 1],
      causationId: [null, 5, ''],
      data: [undefined, null, 5],
    };
    for (const [k, vs] of Object.entries(bad)) for (const x of vs) variants.push({ ...base, [k]: x });
    for (const x of variants) {
      const zodOk = Envelope.safeParse(x).success;
      if (fastEnvelopeCheck!(x)) expect(zodOk, JSON.stringify(x)).to.equal(true);
    }
    expect(fastEnvelopeCheck!(base)).to.equal(true);
  });
});
