/**
 * CPU time of processes read from the OS (/proc/<pid>/stat), so the figure counts every thread of a
 * service (libuv pool, argon2 threads, GC) and survives a noisy machine. Linux only.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { basename } from 'node:path';

let clkTck: number | undefined;
/** Clock ticks per second (`getconf CLK_TCK`), 100 when getconf is missing. */
export function clockTicks(): number {
  if (clkTck === undefined) {
    try {
      clkTck = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      clkTck = 100;
    }
  }
  return clkTck;
}

interface Stat {
  pid: number;
  ppid: number;
  /** utime + stime + cutime + cstime, in clock ticks (cutime/cstime: children it has reaped). */
  ticks: number;
}

function readStat(pid: number): Stat | undefined {
  try {
    const raw = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may contain spaces and parentheses: fields after the last ')'.
    const f = raw.slice(raw.lastIndexOf(')') + 2).split(' ');
    // f[0] is field 3 (state): field n is f[n - 3].
    const ticks = Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]);
    return { pid, ppid: Number(f[1]), ticks };
  } catch {
    return undefined; // gone
  }
}

const allPids = () =>
  readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .map(Number);

/** CPU ticks of each root and all its live descendants (e.g. PostgreSQL backends under the postmaster). */
export function treeTicks(roots: readonly number[]): number {
  const stats = allPids()
    .map(readStat)
    .filter((s): s is Stat => s !== undefined);
  const children = new Map<number, Stat[]>();
  for (const s of stats) children.set(s.ppid, [...(children.get(s.ppid) ?? []), s]);
  const byPid = new Map(stats.map((s) => [s.pid, s]));
  let total = 0;
  const seen = new Set<number>();
  const walk = (pid: number) => {
    if (seen.has(pid)) return;
    seen.add(pid);
    total += byPid.get(pid)?.ticks ?? 0;
    for (const c of children.get(pid) ?? []) walk(c.pid);
  };
  roots.forEach(walk);
  return total;
}

/** Milliseconds of CPU for `ticks`. */
export const ticksToMs = (ticks: number) => (ticks * 1000) / clockTicks();

/**
 * Pids of server processes started for `port`: argv[0] named `name` with `flag port` among its
 * arguments (nats-server `-p`, redis-server `--port` or `host:port`, postgres `-p`).
 */
export function findServerPids(name: string, port: number): number[] {
  const out: number[] = [];
  for (const pid of allPids()) {
    let argv: string[];
    try {
      argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
    } catch {
      continue;
    }
    if (argv.length === 0 || !basename(argv[0]!.split(' ')[0]!).startsWith(name)) continue;
    const p = String(port);
    const joined = argv.join(' ');
    if (
      argv.some((a, i) => (a === '-p' || a === '--port') && argv[i + 1] === p) ||
      joined.includes(`:${p}`) ||
      new RegExp(`(^|\\s)-p ${p}(\\s|$)`).test(joined)
    )
      out.push(pid);
  }
  return out;
}
