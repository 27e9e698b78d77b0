/**
 * var/run/mesh.json: what `make up` started, so `make status` and `make down` work from another
 * terminal; and the process helpers they share.
 */
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

export interface InstanceRecord {
  name: string;
  index: number;
  /** `<name>-<index>`: the INSTANCE_ID and the log file's name. */
  id: string;
  /** `<name>#<index>`, as the terminal shows it. */
  label: string;
  pid: number | null;
  adminPort: number;
  adminUrl: string;
  httpPort?: number;
  httpUrl?: string;
  logFile: string;
  /** The argv it was started with; `make down` checks it before signalling a pid. */
  command: string[];
}

export interface MeshState {
  version: 1;
  /** The `make up` process that supervises the instances. */
  supervisor: { pid: number; script: string; startedAt: string };
  root: string;
  instances: InstanceRecord[];
  urls: { gateway: string[]; console: string[]; operator?: string[] };
}

export const statePath = (root: string) => join(root, 'var', 'run', 'mesh.json');

export function readState(root: string): MeshState | undefined {
  let text: string;
  try {
    text = readFileSync(statePath(root), 'utf8');
  } catch {
    return undefined;
  }
  try {
    const state = JSON.parse(text) as MeshState;
    return state.version === 1 && Array.isArray(state.instances) ? state : undefined;
  } catch {
    // Half-written or edited by hand: treat it as absent rather than fail `make down`.
    return undefined;
  }
}

/** What of a recorded mesh still runs: its launcher and instances, each as a label with its pid. */
export function stillRunning(state: MeshState): string[] {
  return [
    ...(isRunning(state.supervisor.pid, [state.supervisor.script])
      ? [`the launcher (pid ${state.supervisor.pid})`]
      : []),
    ...state.instances.filter((i) => isRunning(i.pid, i.command)).map((i) => `${i.label} (pid ${i.pid})`),
  ];
}

/** Written to a temporary file and renamed, so a reader never sees half a file. */
export function writeState(root: string, state: MeshState): void {
  const path = statePath(root);
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(state, null, 2)}\n`);
  renameSync(tmp, path);
}

export function removeState(root: string): void {
  rmSync(statePath(root), { force: true });
}

/** True while `pid` exists and is not a zombie (an unreaped zombie cannot be stopped any further). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    // EPERM: it exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch {
    return true; // no /proc (macOS): kill(0) is all we know
  }
}

/**
 * True when `pid` is alive and, where /proc lets us check, still runs `command`. After a reboot
 * or a long time, a pid in mesh.json may belong to an unrelated process that must not be signalled.
 */
export function isRunning(pid: number | null, command: readonly string[]): pid is number {
  if (pid === null || pid <= 0 || !isAlive(pid)) return false;
  const marker = command.at(-1);
  if (!marker) return true;
  try {
    // By file name: the launcher records its script's absolute path, its cmdline may hold a relative one.
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    return cmdline.some((arg) => arg !== '' && basename(arg) === basename(marker));
  } catch {
    return true;
  }
}

/**
 * Signals an instance. One spawned detached leads its own process group, and the whole group
 * gets the signal, so a wrapper command and the service it runs stop together; otherwise (no
 * such group) just the pid.
 */
export function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(-pid, sig);
  } catch {
    try {
      process.kill(pid, sig);
    } catch {
      // Already gone: nothing to signal.
    }
  }
}

/** Resolves true once every pid is gone, false if some are still alive after `timeoutMs`. */
export async function waitGone(pids: readonly number[], timeoutMs: number): Promise<boolean> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    if (pids.every((pid) => !isAlive(pid))) return true;
    if (Date.now() >= until) return false;
    await sleep(100);
  }
}
