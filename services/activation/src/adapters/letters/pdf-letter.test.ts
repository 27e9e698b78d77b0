import { expect } from 'chai';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLetterWriter, renderLetterPdf, type LetterContent } from './pdf-letter.js';

const LETTER: LetterContent = {
  letterId: '0190d6c2-0000-7000-8000-0000000000aa',
  requestNumber: 'A-7KQ2M9XD',
  name: 'Ana Čučnik',
  addressLines: ['Trubarjeva cesta 1', '1000 Ljubljana'],
  code: '7KQ2-M9XD-4HTR',
  expiresAt: new Date('2026-03-31T10:00:00Z'),
};

describe('activation adapters/letters', () => {
  it('renders a PDF that embeds a font with the Slovenian letters', async () => {
    const pdf = await renderLetterPdf(LETTER);
    expect(pdf.subarray(0, 5).toString()).to.equal('%PDF-');
    expect(pdf.subarray(-6).toString()).to.contain('%%EOF');
    // pdfkit embeds a subset of the TrueType font (a standard font could not draw č).
    expect(pdf.toString('latin1')).to.match(/\/FontFile2/);
    expect(pdf.toString('latin1')).to.match(/DejaVuSans/);
  });

  it('writes one private file per letter under the directory', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'letters-'));
    try {
      const writer = createLetterWriter(join(dir, 'letters'));
      const path = await writer.write(LETTER);
      expect(path).to.equal(join(dir, 'letters', `${LETTER.letterId}.pdf`));
      expect((await stat(path)).mode & 0o777).to.equal(0o600);
      expect((await readFile(path)).subarray(0, 5).toString()).to.equal('%PDF-');
      await writer.remove(path);
      await stat(path).then(
        () => expect.fail('still there'),
        (err: NodeJS.ErrnoException) => expect(err.code).to.equal('ENOENT'),
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
