/**
 * Follows the development SMS sink (one JSON line per SMS) from the load generator: reads only the
 * bytes appended since the last read, so finding a code costs O(1) per SMS however long the run,
 * and none of that cost lands on the services being measured (the dev_messages RPC re-reads the
 * whole file in otp-sender on every call).
 */
import { watch, type FSWatcher } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { basename, dirname } from 'node:path';

interface Waiter {
  after: number;
  resolve(code: string): void;
  reject(err: Error): void;
  timer: NodeJS.Timeout;
}

export class SmsTail {
  private fh: FileHandle | undefined;
  private offset = 0;
  private partial = '';
  private reading = false;
  private dirty = false;
  private readonly codes = new Map<string, string[]>();
  private readonly waiters = new Map<string, Waiter[]>();
  private readonly watcher: FSWatcher;
  private readonly poll: NodeJS.Timeout;
  total = 0;

  constructor(private readonly file: string) {
    const name = basename(file);
    this.watcher = watch(dirname(file), (_event, f) => {
      if (f === null || f === name) this.kick();
    });
    // inotify can coalesce or miss events on some filesystems: a slow poll as a safety net.
    this.poll = setInterval(() => this.kick(), 25);
  }

  /** How many SMS to `phone` have been seen so far. */
  count(phone: string): number {
    return this.codes.get(phone)?.length ?? 0;
  }

  /** The code of the first SMS to `phone` after the first `after` ones. */
  next(phone: string, after: number, timeoutMs = 15_000): Promise<string> {
    const have = this.codes.get(phone);
    if (have && have.length > after) return Promise.resolve(have[after]!);
    return new Promise((resolve, reject) => {
      const w: Waiter = {
        after,
        resolve,
        reject,
        timer: setTimeout(() => {
          const list = this.waiters.get(phone) ?? [];
          this.waiters.set(
            phone,
            list.filter((x) => x !== w),
          );
          reject(new Error(`no SMS to ${phone} within ${timeoutMs} ms`));
        }, timeoutMs),
      };
      this.waiters.set(phone, [...(this.waiters.get(phone) ?? []), w]);
      this.kick();
    });
  }

  private kick() {
    if (this.reading) {
      this.dirty = true;
      return;
    }
    this.reading = true;
    void this.read()
      .catch(() => undefined)
      .finally(() => {
        this.reading = false;
        if (this.dirty) {
          this.dirty = false;
          this.kick();
        }
      });
  }

  private async read() {
    if (!this.fh) {
      try {
        this.fh = await open(this.file, 'r');
      } catch {
        return; // not written yet
      }
    }
    const { size } = await this.fh.stat();
    while (this.offset < size) {
      const buf = Buffer.alloc(Math.min(size - this.offset, 1 << 20));
      const { bytesRead } = await this.fh.read(buf, 0, buf.length, this.offset);
      if (bytesRead === 0) break;
      this.offset += bytesRead;
      const lines = (this.partial + buf.subarray(0, bytesRead).toString('utf8')).split('\n');
      this.partial = lines.pop()!;
      for (const line of lines) this.line(line);
    }
  }

  private line(line: string) {
    if (!line.trim()) return;
    let m: { to?: unknown; text?: unknown };
    try {
      m = JSON.parse(line) as typeof m;
    } catch {
      return;
    }
    if (typeof m.to !== 'string' || typeof m.text !== 'string') return;
    const code = /#(\d{6})\s*$/.exec(m.text)?.[1];
    if (!code) return;
    this.total++;
    const list = this.codes.get(m.to) ?? [];
    list.push(code);
    this.codes.set(m.to, list);
    const waiting = this.waiters.get(m.to);
    if (!waiting) return;
    const rest: Waiter[] = [];
    for (const w of waiting) {
      if (list.length > w.after) {
        clearTimeout(w.timer);
        w.resolve(list[w.after]!);
      } else rest.push(w);
    }
    this.waiters.set(m.to, rest);
  }

  async close() {
    this.watcher.close();
    clearInterval(this.poll);
    for (const list of this.waiters.values())
      for (const w of list) {
        clearTimeout(w.timer);
        w.reject(new Error('SMS tail closed'));
      }
    this.waiters.clear();
    await this.fh?.close().catch(() => undefined);
  }
}
