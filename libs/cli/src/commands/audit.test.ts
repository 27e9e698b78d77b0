import { expect } from 'chai';
import type { CliContext } from '../context.js';
import { runCli } from '../program.js';

function fakeContext() {
  const out: string[] = [];
  const err: string[] = [];
  let connected = 0;
  const ctx: CliContext = {
    out: (l) => out.push(l),
    err: (l) => err.push(l),
    readStdin: () => Promise.resolve(''),
    call: () => Promise.reject(new Error('audit commands make no requests')),
    natsUrl: 'nats://unused',
    correlationId: 'test',
    jetstream: () => Promise.reject(new Error('no JetStream in unit tests')),
    nats: () => {
      connected++;
      return Promise.reject(new Error('no NATS in unit tests'));
    },
    isTTY: false,
    now: () => new Date('2026-11-23T12:00:00Z'),
  };
  return { ctx, out, err, connected: () => connected };
}

describe('cli idp audit', () => {
  for (const args of [
    ['audit', '--help'],
    ['audit', 'replay', '--help'],
    ['audit', 'timeline', '--help'],
    ['audit', 'stats', '--help'],
  ]) {
    it(`prints usage with examples for \`idp ${args.join(' ')}\` without connecting`, async () => {
      const f = fakeContext();
      expect(await runCli(args, f.ctx)).to.equal(0);
      const text = f.out.join('\n');
      expect(text).to.match(/^Usage: idp audit/);
      if (args.length > 2) expect(text).to.include('Examples:').and.include('Exit status');
      expect(f.connected()).to.equal(0);
    });
  }

  for (const [args, message] of [
    [['audit', 'replay', '--since', 'yesterday'], '--since "yesterday"'],
    [['audit', 'replay', '--since', '10m', '--seq', '5'], 'either --since or --seq'],
    [['audit', 'replay', '--seq', '0'], '--seq "0"'],
    [['audit', 'replay', '--subject', 'idp..x'], 'not a NATS subject pattern'],
    [['audit', 'replay', '--format', 'xml'], "argument 'xml' is invalid"],
    [['audit', 'stats', '--period', 'year'], "argument 'year' is invalid"],
    [['audit', 'timeline'], "required option '--account <id>'"],
  ] as const) {
    it(`exits 2 before connecting on \`${args.join(' ')}\``, async () => {
      const f = fakeContext();
      expect(await runCli([...args], f.ctx)).to.equal(2);
      expect(f.err.join('\n')).to.include(message);
      expect(f.connected()).to.equal(0);
    });
  }
});
