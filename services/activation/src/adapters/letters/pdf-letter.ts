import { createRequire } from 'node:module';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import PDFDocument from 'pdfkit';

const require = createRequire(import.meta.url);
// pdfkit's built-in fonts are WinAnsi and have no č or Č; DejaVu covers Slovenian (and more).
const FONT = require.resolve('dejavu-fonts-ttf/ttf/DejaVuSans.ttf');
const FONT_BOLD = require.resolve('dejavu-fonts-ttf/ttf/DejaVuSans-Bold.ttf');
const MONO_BOLD = require.resolve('dejavu-fonts-ttf/ttf/DejaVuSansMono-Bold.ttf');

/** What one activation letter says. The code is in clear here only: this is the letter itself. */
export interface LetterContent {
  letterId: string;
  requestNumber: string;
  /** Addressee: given and family name as accounts holds them. */
  name: string;
  /** Permanent address, one line per element (street, post code and town, …). */
  addressLines: string[];
  code: string;
  expiresAt: Date;
}

/** Renders a letter as an A4 PDF (Slovenian, with an English translation below). */
export function renderLetterPdf(l: LetterContent): Promise<Buffer> {
  return new Promise((done, fail) => {
    const doc = new PDFDocument({
      size: 'A4',
      margins: { top: 56, bottom: 56, left: 64, right: 64 },
      info: { Title: `smsPASS ${l.requestNumber}`, Author: 'smsPASS', Subject: 'Aktivacijska koda' },
    });
    const chunks: Buffer[] = [];
    doc.on('data', (c: Buffer) => chunks.push(c));
    doc.on('end', () => done(Buffer.concat(chunks)));
    doc.on('error', fail);
    doc.registerFont('body', FONT);
    doc.registerFont('bold', FONT_BOLD);
    doc.registerFont('code', MONO_BOLD);
    const until = l.expiresAt.toISOString().slice(0, 10);

    doc.font('bold').fontSize(10).text('smsPASS — aktivacija', { align: 'right' });
    doc.font('body').fontSize(9).text(`Zahtevek / Request ${l.requestNumber}`, { align: 'right' });
    // The window of a DL envelope: addressee about 5 cm from the top, on the left.
    doc.moveDown(4).font('body').fontSize(11).text(l.name);
    for (const line of l.addressLines) doc.text(line);
    doc.moveDown(4);
    doc.font('bold').fontSize(13).text('Vaša aktivacijska koda za smsPASS');
    doc.moveDown(0.5).font('body').fontSize(11);
    doc.text(
      'Na strani za aktivacijo smsPASS vnesite spodnjo kodo in številko mobilnega telefona. ' +
        'Na telefon boste prejeli kodo SMS; ko jo vnesete, je smsPASS aktiven.',
    );
    doc.moveDown(1).font('code').fontSize(22).text(l.code, { align: 'center', characterSpacing: 2 });
    doc.moveDown(1).font('body').fontSize(11).text(`Koda velja do ${until} in jo lahko uporabite enkrat.`);
    doc.text('Kode ne posredujte nikomur. Če smsPASS niste zahtevali, pismo uničite.');
    doc.moveDown(2).font('bold').fontSize(11).text('Your smsPASS activation code');
    doc.font('body').fontSize(10);
    doc.text(
      `Enter the code above and your mobile number on the smsPASS activation page; you will receive an SMS code. ` +
        `The code is valid until ${until} and can be used once. Do not share it. ` +
        `If you did not ask for smsPASS, destroy this letter.`,
    );
    doc.end();
  });
}

/** Writes letters as PDF files into one directory (development: var/letters), one file per letter id. */
export function createLetterWriter(dir: string) {
  const root = resolve(dir);
  return {
    /** Writes the PDF (mode 0600: it holds a code) and returns its path. */
    async write(l: LetterContent): Promise<string> {
      await mkdir(root, { recursive: true, mode: 0o700 });
      const path = join(root, `${l.letterId}.pdf`);
      const pdf = await renderLetterPdf(l);
      // Written aside and renamed, so the print queue never lists a half-written file.
      await writeFile(`${path}.part`, pdf, { mode: 0o600 });
      await rename(`${path}.part`, path);
      return path;
    },
    /** Removes a letter whose request change did not commit. */
    async remove(path: string): Promise<void> {
      await rm(path, { force: true });
    },
  };
}
export type LetterWriter = ReturnType<typeof createLetterWriter>;
