import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

/**
 * Development only: a key generated on first run and kept in a file (mode 0600, under var/, which
 * git ignores), so every replica of the local mesh and every restart share it — a per-process key
 * would make the codes one replica sent fail at another.
 */
export async function developmentKey(file: string, name: string): Promise<{ key: string; created: boolean }> {
  const fresh = randomBytes(32).toString('base64url');
  await mkdir(dirname(file), { recursive: true });
  try {
    // 'wx': only the first of several replicas starting at once writes; the others read its key.
    await writeFile(file, `${JSON.stringify({ [name]: fresh })}\n`, { flag: 'wx', mode: 0o600 });
    return { key: fresh, created: true };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  for (let i = 0; i < 20; i++) {
    const stored = (JSON.parse((await readFile(file, 'utf8')) || '{}') as Record<string, string | undefined>)[
      name
    ];
    if (stored && stored.length >= 32) return { key: stored, created: false };
    // Another replica created the file and is still writing it.
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${file} holds no usable ${name}; delete it to generate a new one`);
}
