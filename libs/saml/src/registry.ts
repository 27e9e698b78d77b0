import { createHash } from 'node:crypto';
import { watch, type FSWatcher } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { MetadataError, parseSpMetadata, type ParseOptions, type SpMetadata } from './metadata.js';
import { SpPolicy } from './policy.js';

/** An SP the gateway serves: its metadata plus the operator's policy for it. */
export interface RegisteredSp extends SpMetadata {
  policy: SpPolicy;
  /** The registry files' common stem, e.g. `sp.example.org-3f9a0c1b2d`. */
  name: string;
}

export interface RegistryProblem {
  file: string;
  message: string;
}

const METADATA_SUFFIX = '.metadata.xml';
const POLICY_SUFFIX = '.policy.json';

/** A stable, filesystem-safe file stem for an entityID: readable host plus a hash (entityIDs are arbitrary URIs). */
export function registryName(entityId: string): string {
  let host = 'sp';
  try {
    host = new URL(entityId).hostname || host;
  } catch {
    // A URN entityID has no host; the hash alone identifies it.
  }
  const safe = host.replace(/[^a-zA-Z0-9.-]/g, '_').slice(0, 60);
  return `${safe}-${createHash('sha256').update(entityId).digest('hex').slice(0, 10)}`;
}

/**
 * Reads every `<name>.metadata.xml` (+ optional `<name>.policy.json`) in `dir`. A broken pair is
 * reported and skipped; it never stops the others from loading.
 */
export async function loadRegistryDir(
  dir: string,
  o: ParseOptions = {},
): Promise<{ sps: RegisteredSp[]; problems: RegistryProblem[] }> {
  const files = await readdir(dir).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return [] as string[];
    throw err;
  });
  const sps: RegisteredSp[] = [];
  const problems: RegistryProblem[] = [];
  const seen = new Map<string, string>();
  for (const file of files.filter((f) => f.endsWith(METADATA_SUFFIX)).sort()) {
    const name = file.slice(0, -METADATA_SUFFIX.length);
    try {
      const metadata = parseSpMetadata(await readFile(join(dir, file), 'utf8'), o);
      const policyText = await readFile(join(dir, `${name}${POLICY_SUFFIX}`), 'utf8').catch(
        (err: NodeJS.ErrnoException) => {
          if (err.code === 'ENOENT') return '{}';
          throw err;
        },
      );
      const policy = SpPolicy.safeParse(JSON.parse(policyText));
      if (!policy.success) {
        problems.push({
          file: `${name}${POLICY_SUFFIX}`,
          message: policy.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '),
        });
        continue;
      }
      const other = seen.get(metadata.entityId);
      if (other) {
        problems.push({ file, message: `entityID ${metadata.entityId} is already registered by ${other}` });
        continue;
      }
      seen.set(metadata.entityId, file);
      sps.push({ ...metadata, policy: policy.data, name });
    } catch (err) {
      problems.push({
        file,
        message:
          err instanceof MetadataError
            ? err.problems.join('; ')
            : err instanceof Error
              ? err.message
              : String(err),
      });
    }
  }
  return { sps, problems };
}

async function writeAtomically(path: string, content: string): Promise<void> {
  const tmp = `${path}.${process.pid}.${Date.now()}.tmp`;
  await writeFile(tmp, content, { mode: 0o644 });
  await rename(tmp, path);
}

/**
 * Validates and registers (or replaces) an SP. The policy is written before the metadata, so a
 * gateway watching the directory never loads new metadata with a stale policy.
 */
export async function saveSp(
  dir: string,
  metadataXml: string,
  policy: SpPolicy,
  o: ParseOptions = {},
): Promise<RegisteredSp> {
  const metadata = parseSpMetadata(metadataXml, o);
  const checked = SpPolicy.parse(policy);
  await mkdir(dir, { recursive: true });
  const name = registryName(metadata.entityId);
  await writeAtomically(join(dir, `${name}${POLICY_SUFFIX}`), `${JSON.stringify(checked, null, 2)}\n`);
  await writeAtomically(join(dir, `${name}${METADATA_SUFFIX}`), metadataXml);
  return { ...metadata, policy: checked, name };
}

/** Removes an SP's files; false when no SP has that entityID. */
export async function removeSp(dir: string, entityId: string, o: ParseOptions = {}): Promise<boolean> {
  const { sps } = await loadRegistryDir(dir, o);
  const sp = sps.find((s) => s.entityId === entityId);
  if (!sp) return false;
  await rm(join(dir, `${sp.name}${METADATA_SUFFIX}`), { force: true });
  await rm(join(dir, `${sp.name}${POLICY_SUFFIX}`), { force: true });
  return true;
}

export interface SpRegistry {
  lookup(entityId: string): RegisteredSp | undefined;
  list(): RegisteredSp[];
  /** Re-reads the directory now (the watcher and the poll call this too). */
  reload(): Promise<void>;
  close(): void;
}

export interface RegistryLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

/**
 * The gateway's live view of the registry directory. Changes take effect without a restart: a
 * file watcher reloads at once and a poll catches what watchers miss (network filesystems). An SP
 * whose files turn invalid keeps its last good version, so a typo never logs citizens out of it.
 */
export async function openSpRegistry(o: {
  dir: string;
  log: RegistryLog;
  pollMs?: number;
  parse?: ParseOptions;
}): Promise<SpRegistry> {
  let current = new Map<string, RegisteredSp>();
  let lastSignature = '';
  let reloading: Promise<void> | undefined;

  const signature = async () => {
    const files = await readdir(o.dir).catch(() => [] as string[]);
    const parts = await Promise.all(
      files.sort().map(async (f) => {
        const s = await stat(join(o.dir, f)).catch(() => undefined);
        return `${f}:${s?.mtimeMs ?? 0}:${s?.size ?? 0}`;
      }),
    );
    return parts.join('|');
  };

  const doReload = async () => {
    const sig = await signature();
    if (sig === lastSignature) return;
    lastSignature = sig;
    const { sps, problems } = await loadRegistryDir(o.dir, o.parse);
    const next = new Map(sps.map((sp) => [sp.entityId, sp]));
    for (const p of problems) {
      o.log.error({ file: p.file, problem: p.message }, 'SP registry entry refused');
      const stale = [...current.values()].find((sp) => p.file.startsWith(sp.name));
      if (stale && !next.has(stale.entityId)) {
        next.set(stale.entityId, stale);
        o.log.warn({ spId: stale.entityId }, 'keeping the last good version of this SP');
      }
    }
    const added = [...next.keys()].filter((k) => !current.has(k));
    const removed = [...current.keys()].filter((k) => !next.has(k));
    current = next;
    o.log.info({ sps: next.size, added, removed }, 'SP registry loaded');
  };
  const reload = () => {
    reloading ??= doReload().finally(() => {
      reloading = undefined;
    });
    return reloading;
  };

  await mkdir(o.dir, { recursive: true });
  await reload();
  let watcher: FSWatcher | undefined;
  try {
    watcher = watch(
      o.dir,
      () => void reload().catch((err: unknown) => o.log.error({ err }, 'SP registry reload failed')),
    );
  } catch (err) {
    o.log.warn({ err }, 'cannot watch the SP registry directory; polling only');
  }
  const timer = setInterval(
    () => void reload().catch((err: unknown) => o.log.error({ err }, 'SP registry reload failed')),
    o.pollMs ?? 5000,
  );
  timer.unref();
  return {
    lookup: (entityId) => current.get(entityId),
    list: () => [...current.values()],
    reload,
    close: () => {
      clearInterval(timer);
      watcher?.close();
    },
  };
}
