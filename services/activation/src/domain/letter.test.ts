import { expect } from 'chai';
import { DomainError } from '@idp/events';
import type { Letter } from '../ports.js';
import { markLetter } from './letter.js';

const T0 = new Date('2026-03-01T10:00:00Z');
const queued: Letter = {
  id: '0190d6c2-0000-7000-8000-0000000000aa',
  requestId: '0190d6c2-0000-7000-8000-000000000001',
  requestNumber: 'A-7KQ2M9XD',
  state: 'queued',
  pdfPath: '/tmp/x.pdf',
  createdAt: T0,
  printedAt: null,
  printedBy: null,
  postedAt: null,
  postedBy: null,
};

describe('activation domain/letter markLetter()', () => {
  it('goes queued → printed → posted, recording when and by whom', () => {
    const printed = markLetter(queued, 'printed', 'op1', T0);
    expect(printed).to.include({ state: 'printed', printedAt: T0, printedBy: 'op1' });
    const posted = markLetter(printed, 'posted', 'op2', T0);
    expect(posted).to.include({ state: 'posted', printedBy: 'op1', postedBy: 'op2' });
  });

  it('may post a queued letter printed elsewhere', () => {
    expect(markLetter(queued, 'posted', 'op', T0).state).to.equal('posted');
  });

  it('refuses going back or marking twice', () => {
    const printed = markLetter(queued, 'printed', 'op', T0);
    const posted = markLetter(printed, 'posted', 'op', T0);
    for (const [l, s] of [
      [printed, 'printed'],
      [posted, 'printed'],
      [posted, 'posted'],
    ] as const) {
      expect(() => markLetter(l, s, 'op', T0))
        .to.throw(DomainError)
        .with.property('code', 'activation.invalid_transition');
    }
  });
});
