import { expect } from 'chai';
import { isLocked, recordFailure, recordSuccess, type LockoutState } from './lockout.js';

const T0 = new Date('2026-03-01T10:00:00Z');
const policy = { maxFailures: 3, lockMs: 15 * 60_000 };
const fresh: LockoutState = { failedLogins: 0, lockedUntil: null };

describe('domain/lockout', () => {
  it('counts failures below the limit without locking', () => {
    const s = recordFailure(recordFailure(fresh, T0, policy), T0, policy);
    expect(s).to.deep.include({ failedLogins: 2, lockedUntil: null, lockedNow: false });
    expect(isLocked(s, T0)).to.be.false;
  });

  it('locks for lockMs on the failure that reaches the limit, and restarts the count', () => {
    let s: LockoutState = fresh;
    for (let i = 0; i < 2; i++) s = recordFailure(s, T0, policy);
    const locked = recordFailure(s, T0, policy);
    expect(locked.lockedNow).to.be.true;
    expect(locked.failedLogins).to.equal(0);
    expect(locked.lockedUntil?.toISOString()).to.equal('2026-03-01T10:15:00.000Z');
    expect(isLocked(locked, new Date('2026-03-01T10:14:59Z'))).to.be.true;
    expect(isLocked(locked, new Date('2026-03-01T10:15:00Z'))).to.be.false;
  });

  it('a full login clears the count and the lock', () => {
    expect(recordSuccess()).to.deep.equal(fresh);
  });
});
