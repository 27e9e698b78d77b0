import { expect } from 'chai';
import {
  activeLock,
  failLogin,
  liveEntry,
  loginThrottleKeys,
  recordFailure,
  retryAfterSeconds,
  type LoginPolicy,
  type ThrottleEntry,
  type ThrottlePolicy,
} from './login-throttle.js';

const T0 = new Date('2026-03-01T10:00:00Z');
const at = (seconds: number) => new Date(T0.getTime() + seconds * 1000);
const policy: ThrottlePolicy = { maxFailures: 3, windowMs: 600_000, lockMs: 900_000 };

/** Folds failures at the given seconds after T0 into an entry. */
function failures(...seconds: number[]): ThrottleEntry | undefined {
  let e: ThrottleEntry | undefined;
  for (const s of seconds) e = recordFailure(e, policy, at(s)).entry;
  return e;
}

describe('domain/login-throttle recordFailure()', () => {
  it('counts failures within the window without locking below the limit', () => {
    const r = recordFailure(failures(0), policy, at(10));
    expect(r.entry).to.deep.include({ failures: 2, lockedUntil: null });
    expect(r.entry.windowStartedAt).to.deep.equal(T0);
    expect(r.lockedNow).to.equal(false);
    expect(r.expiresAt).to.deep.equal(at(600));
  });

  it('locks on the failure that reaches the limit, for the lock duration', () => {
    const r = recordFailure(failures(0, 10), policy, at(20));
    expect(r.lockedNow).to.equal(true);
    expect(r.entry.lockedUntil).to.deep.equal(at(20 + 900));
    expect(r.expiresAt).to.deep.equal(at(920));
  });

  it('forgets failures once their window has passed', () => {
    const r = recordFailure(failures(0, 10), policy, at(600));
    expect(r.entry).to.deep.include({ failures: 1, lockedUntil: null });
    expect(r.entry.windowStartedAt).to.deep.equal(at(600));
  });

  it('does not extend a lock when a raced request fails during it', () => {
    const locked = failures(0, 1, 2);
    const r = recordFailure(locked, policy, at(30));
    expect(r.lockedNow).to.equal(false);
    expect(r.entry).to.deep.equal(locked);
  });

  it('starts afresh once a lock has run out', () => {
    const r = recordFailure(failures(0, 1, 2), policy, at(2 + 900));
    expect(r.entry).to.deep.include({ failures: 1, lockedUntil: null });
    expect(r.lockedNow).to.equal(false);
  });
});

describe('domain/login-throttle activeLock()', () => {
  const login: LoginPolicy = {
    account: policy,
    address: { maxFailures: 5, windowMs: 60_000, lockMs: 60_000 },
  };

  it('is open while neither key is locked', () => {
    expect(activeLock({ account: failures(0, 1), address: undefined }, login, at(2))).to.equal(undefined);
  });

  it('refuses until the account lock ends, even with the right password, and not after', () => {
    const account = failures(0, 1, 2);
    expect(activeLock({ account, address: undefined }, login, at(3))).to.deep.equal(at(902));
    expect(activeLock({ account, address: undefined }, login, at(901))).to.deep.equal(at(902));
    expect(activeLock({ account, address: undefined }, login, at(902))).to.equal(undefined);
    expect(liveEntry(account, policy, at(902))).to.equal(undefined);
  });

  it('takes the later of the two locks', () => {
    let t = {
      account: undefined as ThrottleEntry | undefined,
      address: undefined as ThrottleEntry | undefined,
    };
    for (let i = 0; i < 5; i++) {
      const r = failLogin(t, login, at(i));
      t = { account: r.account.entry, address: r.address.entry };
    }
    // The account locked at 2 s (until 902 s), the address at 4 s (until 64 s).
    expect(activeLock(t, login, at(10))).to.deep.equal(at(902));
    expect(activeLock({ account: undefined, address: t.address }, login, at(10))).to.deep.equal(at(64));
  });
});

describe('domain/login-throttle loginThrottleKeys()', () => {
  it('counts a known account by id and an unknown name by its digest, never in clear', () => {
    const known = loginThrottleKeys({
      accountId: 'a1',
      email: 'ana@example.si',
      clientAddress: '203.0.113.7',
    });
    const unknown = loginThrottleKeys({
      accountId: undefined,
      email: 'ana@example.si',
      clientAddress: '203.0.113.7',
    });
    expect(known.account).to.equal('account:a1');
    expect(unknown.account).to.match(/^name:[\w-]{43}$/);
    expect(unknown.account).not.to.include('ana');
    expect(known.address).to.equal(unknown.address);
    expect(known.address).not.to.include('203.0');
  });

  it('puts the addresses of one IPv6 /64 in one bucket', () => {
    const k = (a: string) => loginThrottleKeys({ accountId: 'a', email: 'e', clientAddress: a }).address;
    expect(k('2001:db8::1')).to.equal(k('2001:db8::ffff:2'));
  });
});

describe('domain/login-throttle retryAfterSeconds()', () => {
  it('rounds up and never says 0', () => {
    expect(retryAfterSeconds(at(10), new Date(T0.getTime() + 500))).to.equal(10);
    expect(retryAfterSeconds(at(0), at(0))).to.equal(1);
  });
});
