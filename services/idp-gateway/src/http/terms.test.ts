import { expect } from 'chai';
import { accountsRpc, DomainError, type RpcClient } from '@idp/events';
import { termsFromAccounts } from './terms.js';

/** An in-memory accounts answering only get_terms (the pages' integration tests use a real NATS). */
function accountsHolding(version: { current: string; down?: boolean }) {
  const subjects: string[] = [];
  const rpc: RpcClient = {
    call: (async (contract: { subject: string }) => {
      subjects.push(contract.subject);
      await Promise.resolve();
      if (version.down) throw new DomainError('unavailable', 'rpc.no_responders', { message: 'down' });
      return { version: version.current };
    }) as RpcClient['call'],
  };
  return { rpc, subjects };
}

describe('idp-gateway termsFromAccounts()', () => {
  it('asks accounts once per period, one call for concurrent pages, again after the period or forget()', async () => {
    const held = { current: '2026-01' };
    const { rpc, subjects } = accountsHolding(held);
    let now = 1_000;
    const terms = termsFromAccounts(rpc, { ttlMs: 60_000, now: () => now });
    expect(await Promise.all([terms.current('c1'), terms.current('c2'), terms.current('c3')])).to.deep.equal([
      '2026-01',
      '2026-01',
      '2026-01',
    ]);
    expect(subjects).to.deep.equal([accountsRpc.getTerms.subject]);
    held.current = '2026-07';
    now += 59_999;
    expect(await terms.current('c4')).to.equal('2026-01');
    now += 1;
    expect(await terms.current('c5')).to.equal('2026-07');
    held.current = '2027-01';
    terms.forget();
    expect(await terms.current('c6')).to.equal('2027-01');
    expect(subjects).to.have.length(3);
  });

  it('passes an unreachable accounts on as its error, and asks again next time', async () => {
    const held = { current: '2026-01', down: true };
    const { rpc, subjects } = accountsHolding(held);
    const terms = termsFromAccounts(rpc, { ttlMs: 60_000 });
    const err = await terms.current('c1').catch((e: unknown) => e as DomainError);
    expect(err).to.include({ code: 'rpc.no_responders' });
    held.down = false;
    expect(await terms.current('c2')).to.equal('2026-01');
    expect(subjects).to.have.length(2);
  });
});
