import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import {
  applyAccountEvent,
  applyEvent,
  initialStats,
  replayAll,
  smsPassOfState,
  statsView,
  type AccountStatusState,
} from '@idp/audit';
import { accountsRpc, createRpcClient, notaryRpc, type RpcClient } from '@idp/events';
import { waitFor } from '@idp/testing';
import { startStack, type Stack } from './support/stack.js';

/**
 * Projections rebuilt from nothing by replaying IDP_EVENTS must equal the live state: each account's
 * smsPASS status as the accounts service reports it, and the statistics the notary keeps live.
 * The whole mesh runs as processes; the test only reads the log and asks the services.
 */
describe('audit replay: projections rebuilt from the log equal the live state', function () {
  this.timeout(180_000);
  let stack: Stack;
  let rpc: RpcClient;
  const accounts: string[] = [];

  const address = { street: 'Trubarjeva 1', postalCode: '1000', city: 'Ljubljana', country: 'SI' };
  const mailTokens = () =>
    readFileSync(join(stack.dir, 'dev-mail.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { to: string; text: string })
      .map((m) => ({ to: m.to, token: /token=([A-Za-z0-9_-]+)/.exec(m.text)?.[1] }));

  before(async () => {
    stack = await startStack();
    rpc = createRpcClient(stack.nc, { defaultTimeoutMs: 10_000 });
    const ctx = (n: string) => ({ correlationId: `audit-replay-${n}` });
    // Operator-created citizens, one with smsPASS and one without.
    for (const [i, smsPass] of (['active', 'none'] as const).entries()) {
      const { accountId } = await rpc.call(
        accountsRpc.createAccount,
        {
          email: `replay.operator.${i}@example.si`,
          password: 'replay test password 2026',
          givenName: 'Replay',
          familyName: `Operator${i}`,
          ...(smsPass === 'active' ? { phone: `+38641${String(200_000 + i)}` } : {}),
          smsPass,
        },
        ctx(`create-${i}`),
      );
      accounts.push(accountId);
    }
    // Self-registered citizens: one left unconfirmed, one confirmed through the mailed link.
    const taxNumbers = ['10000003', '10000011'];
    for (const [i, taxNumber] of taxNumbers.entries()) {
      await rpc.call(
        accountsRpc.register,
        {
          email: `replay.self.${i}@example.si`,
          password: 'replay test password 2026',
          givenName: 'Replay',
          familyName: `Self${i}`,
          taxNumber,
          birthDate: '1990-05-17',
          address,
          termsVersion: '2026-01',
        },
        ctx(`register-${i}`),
      );
    }
    const link = await waitFor(
      'the confirmation mail',
      () =>
        Promise.resolve(
          (() => {
            try {
              return mailTokens().find((m) => m.to === 'replay.self.1@example.si' && m.token);
            } catch {
              return undefined;
            }
          })(),
        ),
      30_000,
      100,
    );
    const confirmed = await rpc.call(accountsRpc.confirmEmail, { token: link.token! }, ctx('confirm'));
    accounts.push(confirmed.accountId);
  });
  after(async () => {
    await stack?.close();
  });

  it("rebuilds every account's smsPASS status from the log exactly as accounts reports it", async () => {
    // The outbox relay publishes shortly after each commit.
    let rebuilt: AccountStatusState = {};
    await waitFor(
      'the account events in the log',
      async () => {
        rebuilt = {};
        for (const e of await replayAll(stack.nc))
          if (e.envelope) applyAccountEvent(rebuilt, e.envelope, String(e.seq));
        // The outbox relays each commit's events shortly after it: wait for the confirmation too.
        const states = Object.values(rebuilt).map((x) => x.state);
        return (
          accounts.every((id) => rebuilt[id]) && states.filter((x) => x === 'email_confirmed').length === 2
        );
      },
      15_000,
      200,
    );
    expect(Object.keys(rebuilt)).to.have.length(4);
    const states = Object.values(rebuilt).map((s) => s.state);
    expect(states).to.have.members(['smspass_active', 'email_confirmed', 'registered', 'email_confirmed']);
    for (const [accountId, status] of Object.entries(rebuilt)) {
      const live = await rpc.call(accountsRpc.getAttributes, { accountId }, { correlationId: 'audit-live' });
      expect(smsPassOfState(status.state), accountId).to.equal(live.smsPass);
    }
  });

  it('rebuilds the statistics from the log exactly as the notary keeps them live', async () => {
    const lastSeq = (await replayAll(stack.nc)).at(-1)!.seq;
    for (const period of ['day', 'week', 'month'] as const) {
      // The notary's view through some sequence ≥ the log's end as we saw it, then a rebuild from
      // nothing through exactly that sequence: the two must be the same.
      const live = await waitFor(
        `the notary's ${period} view through seq ${lastSeq}`,
        async () => {
          const v = await rpc
            .call(notaryRpc.stats, { period }, { correlationId: 'audit-stats' })
            .catch(() => undefined);
          return v && v.lastSeq >= lastSeq ? v : undefined;
        },
        15_000,
        200,
      );
      const { lastSeq: through, ...view } = live;
      const state = initialStats();
      for (const e of await replayAll(stack.nc, { untilSeq: through }))
        if (e.envelope && !e.problem) applyEvent(state, e.envelope);
      expect(view).to.deep.equal(statsView(state, period));
      expect(view.totalAccounts).to.equal(4);
    }
  });
});
