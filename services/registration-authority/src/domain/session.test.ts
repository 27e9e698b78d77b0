import { expect } from 'chai';
import { isSessionAlive, needsTouch, sessionExpiry, type SessionTimes } from './session.js';

const T0 = new Date('2026-03-01T08:00:00Z');
const policy = { idleMs: 15 * 60_000, absoluteMs: 8 * 3_600_000, secondFactorMs: 5 * 60_000 };
const min = (n: number) => new Date(T0.getTime() + n * 60_000);

const active = (lastSeenAt: Date): SessionTimes => ({
  stage: 'active',
  createdAt: T0,
  lastSeenAt,
  expiresAt: sessionExpiry('active', T0, policy),
});

describe('domain/session', () => {
  it('ends an active session after 15 idle minutes', () => {
    expect(isSessionAlive(active(T0), min(14), policy)).to.be.true;
    expect(isSessionAlive(active(T0), min(15), policy)).to.be.false;
  });

  it('ends an active session 8 hours after login however busy it was', () => {
    expect(isSessionAlive(active(min(479)), min(479.9), policy)).to.be.true;
    expect(isSessionAlive(active(min(479)), min(480), policy)).to.be.false;
  });

  it('gives the second-factor step 5 minutes', () => {
    const s: SessionTimes = {
      stage: 'second_factor',
      createdAt: T0,
      lastSeenAt: T0,
      expiresAt: sessionExpiry('second_factor', T0, policy),
    };
    expect(isSessionAlive(s, min(4.9), policy)).to.be.true;
    expect(isSessionAlive(s, min(5), policy)).to.be.false;
  });

  it('writes last_seen_at at most once a minute', () => {
    expect(needsTouch(T0, min(0.5))).to.be.false;
    expect(needsTouch(T0, min(1))).to.be.true;
  });
});
