import { appendFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { createJsonLinesSink } from './dev-sink.js';

interface Note {
  to: string;
  text: string;
}
const parse = (line: unknown): Note | undefined => {
  const m = line as Note;
  return typeof m.to === 'string' && typeof m.text === 'string' ? { to: m.to, text: m.text } : undefined;
};

describe('dev-sink (JSON lines)', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'idp-dev-sink-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('reads nothing before the first line, and creates the directory on the first append', async () => {
    const sink = createJsonLinesSink(join(dir, 'nested', 'out.jsonl'), parse);
    expect(await sink.recent(10)).to.deep.equal([]);
    await sink.append({ to: 'a', text: 'one' });
    expect(await sink.recent(10)).to.deep.equal([{ to: 'a', text: 'one' }]);
  });

  it('answers the newest first, at most `limit`, only what `match` accepts', async () => {
    const sink = createJsonLinesSink(join(dir, 'out.jsonl'), parse);
    for (const [to, text] of [
      ['a', '1'],
      ['b', '2'],
      ['a', '3'],
      ['a', '4'],
    ] as const)
      await sink.append({ to, text });
    expect((await sink.recent(2)).map((n) => n.text)).to.deep.equal(['4', '3']);
    expect((await sink.recent(10, (n) => n.to === 'b')).map((n) => n.text)).to.deep.equal(['2']);
    expect((await sink.recent(2, (n) => n.to === 'a')).map((n) => n.text)).to.deep.equal(['4', '3']);
  });

  it('skips lines that are not JSON, not objects, or not records, and keeps the rest', async () => {
    const file = join(dir, 'out.jsonl');
    const sink = createJsonLinesSink(file, parse);
    await sink.append({ to: 'a', text: 'kept' });
    await appendFile(file, '{"to":"a","tex\nnull\n42\n{"to":"a"}\n\n', 'utf8');
    expect(await sink.recent(10)).to.deep.equal([{ to: 'a', text: 'kept' }]);
    // Only the fields the parser keeps are answered.
    await appendFile(file, '{"to":"a","text":"new","extra":1}\n', 'utf8');
    expect(await sink.recent(1)).to.deep.equal([{ to: 'a', text: 'new' }]);
  });
});
