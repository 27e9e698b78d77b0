import { inflateSync } from 'node:zlib';

// Hand-written rather than a PDF library: only pdfkit's own output (flate streams, Type0 fonts
// with Identity-H and a ToUnicode CMap, no object streams) has to be read, and ~60 lines do that.

interface PdfObject {
  dict: string;
  stream?: string;
}

function objects(pdf: Buffer): Map<string, PdfObject> {
  const s = pdf.toString('latin1');
  const out = new Map<string, PdfObject>();
  const head = /(\d+) 0 obj\s*/g;
  for (let m = head.exec(s); m; m = head.exec(s)) {
    const end = s.indexOf('endobj', head.lastIndex);
    const body = s.slice(head.lastIndex, end);
    const at = body.indexOf('stream');
    if (at < 0 || !/\/Length/.test(body.slice(0, at))) {
      out.set(m[1]!, { dict: body });
      continue;
    }
    const dict = body.slice(0, at);
    const start = at + 'stream'.length + (body[at + 6] === '\r' ? 2 : 1);
    const raw = Buffer.from(body.slice(start, body.lastIndexOf('endstream')), 'latin1');
    const stream = /\/FlateDecode/.test(dict) ? inflateSync(raw).toString('latin1') : raw.toString('latin1');
    out.set(m[1]!, { dict, stream });
  }
  return out;
}

const hexChars = (hex: string) =>
  (hex.replace(/\s+/g, '').match(/.{4}/g) ?? []).map((h) => String.fromCodePoint(parseInt(h, 16)));

/** A ToUnicode CMap as glyph code → text (the bfchar and bfrange forms pdfkit writes). */
function cmap(text: string): Map<number, string> {
  const map = new Map<number, string>();
  for (const block of text.matchAll(/beginbfrange([\s\S]*?)endbfrange/g)) {
    for (const r of block[1]!.matchAll(/<([0-9a-f]+)>\s*<([0-9a-f]+)>\s*(\[[^\]]*\]|<[0-9a-f]+>)/gi)) {
      const lo = parseInt(r[1]!, 16);
      const hi = parseInt(r[2]!, 16);
      if (r[3]!.startsWith('[')) {
        [...r[3]!.matchAll(/<([0-9a-f]+)>/gi)].forEach((d, i) => map.set(lo + i, hexChars(d[1]!).join('')));
      } else {
        const first = parseInt(r[3]!.slice(1, -1), 16);
        for (let c = lo; c <= hi; c++) map.set(c, String.fromCodePoint(first + c - lo));
      }
    }
  }
  for (const block of text.matchAll(/beginbfchar([\s\S]*?)endbfchar/g)) {
    for (const r of block[1]!.matchAll(/<([0-9a-f]+)>\s*<([0-9a-f]+)>/gi))
      map.set(parseInt(r[1]!, 16), hexChars(r[2]!).join(''));
  }
  return map;
}

/** The text runs (one per TJ/Tj) of every page of a PDF that pdfkit wrote with embedded fonts. */
export function pdfTextRuns(pdf: Buffer): string[] {
  const objs = objects(pdf);
  const runs: string[] = [];
  for (const page of [...objs.values()].filter((o) => /\/Type\s*\/Page\b/.test(o.dict))) {
    const resources = objs.get(/\/Resources (\d+) 0 R/.exec(page.dict)?.[1] ?? '')?.dict ?? page.dict;
    const fonts = new Map<string, Map<number, string>>();
    for (const f of resources.matchAll(/\/(\w+) (\d+) 0 R/g)) {
      const toUnicode = /\/ToUnicode (\d+) 0 R/.exec(objs.get(f[2]!)?.dict ?? '')?.[1];
      const text = toUnicode && objs.get(toUnicode)?.stream;
      if (text) fonts.set(f[1]!, cmap(text));
    }
    const content = objs.get(/\/Contents (\d+) 0 R/.exec(page.dict)?.[1] ?? '')?.stream ?? '';
    let font = new Map<number, string>();
    for (const op of content.matchAll(/\/(\w+)\s+[\d.]+\s+Tf|(\[[^\]]*\]\s*TJ|<[0-9a-fA-F\s]*>\s*Tj)/g)) {
      if (op[1]) font = fonts.get(op[1]) ?? new Map();
      else
        runs.push(
          [...op[2]!.matchAll(/<([0-9a-fA-F\s]*)>/g)]
            .flatMap((h) => (h[1]!.replace(/\s+/g, '').match(/.{4}/g) ?? []).map((c) => parseInt(c, 16)))
            .map((c) => font.get(c) ?? '\ufffd')
            .join(''),
        );
    }
  }
  return runs;
}
