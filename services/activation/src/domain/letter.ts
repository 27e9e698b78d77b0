import { DomainError } from '@idp/events';
import type { Letter } from '../ports.js';

/**
 * A letter in the print queue: queued → printed → posted. Posting straight from queued is allowed
 * (a letter printed elsewhere); nothing goes back, and marking a letter twice is refused, so the
 * recorded times and operators stay the first ones.
 */
export function markLetter(l: Letter, state: 'printed' | 'posted', by: string, now: Date): Letter {
  const allowed = state === 'printed' ? l.state === 'queued' : l.state !== 'posted';
  if (!allowed) {
    throw new DomainError('precondition', 'activation.invalid_transition', {
      message: `a ${l.state} letter cannot be marked ${state}`,
    });
  }
  return state === 'printed'
    ? { ...l, state, printedAt: now, printedBy: by }
    : { ...l, state, postedAt: now, postedBy: by };
}
