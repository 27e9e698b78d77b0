import { expect } from 'chai';
import { parseDuration, parseSeq, parseSince } from './replay-start.js';

const NOW = new Date('2026-11-23T12:00:00.000Z');

describe('replay-start parseSince()', () => {
  it('reads durations back from now', () => {
    expect(parseSince('10m', NOW).toISOString()).to.equal('2026-11-23T11:50:00.000Z');
    expect(parseSince('2h', NOW).toISOString()).to.equal('2026-11-23T10:00:00.000Z');
    expect(parseSince('7d', NOW).toISOString()).to.equal('2026-11-16T12:00:00.000Z');
    expect(parseSince('1h30m', NOW).toISOString()).to.equal('2026-11-23T10:30:00.000Z');
    expect(parseDuration('500ms')).to.equal(500);
    expect(parseDuration('2w')).to.equal(14 * 86_400_000);
  });

  it('reads RFC 3339 times with an offset, and bare dates as midnight UTC', () => {
    expect(parseSince('2026-11-01T00:00:00Z', NOW).toISOString()).to.equal('2026-11-01T00:00:00.000Z');
    expect(parseSince('2026-11-01T01:00:00+01:00', NOW).toISOString()).to.equal('2026-11-01T00:00:00.000Z');
    expect(parseSince('2026-11-01T00:00:00.250Z', NOW).toISOString()).to.equal('2026-11-01T00:00:00.250Z');
    expect(parseSince('2026-11-01', NOW).toISOString()).to.equal('2026-11-01T00:00:00.000Z');
  });

  for (const bad of [
    '10',
    '10 minutes',
    '-5m',
    'yesterday',
    '2026-11-01T00:00:00',
    '2026-13-01T00:00:00Z',
    'm10',
  ])
    it(`refuses ${JSON.stringify(bad)}`, () =>
      expect(() => parseSince(bad, NOW)).to.throw(RangeError, /--since/));
});

describe('replay-start parseSeq()', () => {
  it('takes positive integers only', () => {
    expect(parseSeq('1200')).to.equal(1200);
    for (const bad of ['0', '-1', '1.5', 'x', '']) expect(() => parseSeq(bad)).to.throw(RangeError, /--seq/);
  });
});
