import { expect } from 'chai';
import { RemoteError, type ErrorKind, type RpcDef } from '@idp/events';
import type { CliContext } from '../context.js';
import { runCli } from '../program.js';

const LETTER = {
  letterId: '0190d6c2-0000-7000-8000-0000000000aa',
  requestNumber: 'A-7KQ2M9XD',
  state: 'queued' as const,
  createdAt: '2026-03-01T10:00:00.000Z',
  pdfPath: '/srv/idp/var/letters/0190d6c2-0000-7000-8000-0000000000aa.pdf',
};

function fakeContext(o: { reply?: unknown; refusal?: [ErrorKind, string, string] } = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const calls: { subject: string; request: unknown }[] = [];
  const ctx: CliContext = {
    out: (l) => out.push(l),
    err: (l) => err.push(l),
    readStdin: () => Promise.resolve(''),
    call: <C extends RpcDef>(contract: C, request: unknown) => {
      calls.push({ subject: contract.subject, request });
      if (o.refusal) return Promise.reject(new RemoteError(...o.refusal));
      return Promise.resolve(o.reply as never);
    },
    natsUrl: 'nats://test:4222',
    correlationId: 'corr-1',
  };
  return { ctx, out, err, calls };
}

describe('cli idp letters', () => {
  it('lists the print queue, filtered by state, one tab-separated line per letter', async () => {
    const f = fakeContext({ reply: { letters: [LETTER] } });
    expect(await runCli(['letters', 'list', '--state', 'queued'], f.ctx)).to.equal(0);
    expect(f.calls).to.deep.equal([
      { subject: 'idp.rpc.activation.list_letters.v1', request: { state: 'queued' } },
    ]);
    expect(f.out).to.deep.equal([
      `${LETTER.letterId}\tqueued\tA-7KQ2M9XD\t2026-03-01T10:00:00.000Z\t-\t-\t${LETTER.pdfPath}`,
    ]);
  });

  it('says so on stderr when the queue is empty, and refuses an unknown state', async () => {
    const f = fakeContext({ reply: { letters: [] } });
    expect(await runCli(['letters', 'list'], f.ctx)).to.equal(0);
    expect(f.out).to.deep.equal([]);
    expect(f.err).to.deep.equal(['no letters']);
    expect(await runCli(['letters', 'list', '--state', 'lost'], fakeContext().ctx)).to.equal(2);
  });

  it('marks a letter printed or posted, naming the operator', async () => {
    const f = fakeContext({ reply: { ...LETTER, state: 'printed', printedAt: '2026-03-02T08:00:00.000Z' } });
    expect(await runCli(['letters', 'mark', LETTER.letterId, 'printed', '--by', 'marta'], f.ctx)).to.equal(0);
    expect(f.calls).to.deep.equal([
      {
        subject: 'idp.rpc.activation.mark_letter.v1',
        request: { letterId: LETTER.letterId, state: 'printed', by: 'marta' },
      },
    ]);
    expect(f.out).to.deep.equal([`${LETTER.letterId}\tprinted\tA-7KQ2M9XD`]);
  });

  it('refuses a bad id or state before asking, and reports the service refusals', async () => {
    expect(await runCli(['letters', 'mark', 'nope', 'printed'], fakeContext().ctx)).to.equal(2);
    expect(await runCli(['letters', 'mark', LETTER.letterId, 'shredded'], fakeContext().ctx)).to.equal(2);
    const missing = fakeContext({ refusal: ['not_found', 'activation.letter_not_found', 'no such letter'] });
    expect(await runCli(['letters', 'mark', LETTER.letterId, 'posted'], missing.ctx)).to.equal(1);
    expect(missing.err).to.deep.equal([`idp: no letter ${LETTER.letterId}`]);
    const down = fakeContext({ refusal: ['unavailable', 'rpc.no_responders', 'no service'] });
    expect(await runCli(['letters', 'list'], down.ctx)).to.equal(69);
  });
});
