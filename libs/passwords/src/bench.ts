/* eslint-disable no-console -- a command-line benchmark: printing is its output */
// Micro-benchmark of a password check (argon2id verify) at the default parameters and at OWASP's
// 19 MiB minimum, one check at a time and four at once (libuv's pool), as CPU per check.
//   node --conditions=source --import tsx libs/passwords/src/bench.ts [checks]
import { hash, verify, type Algorithm } from '@node-rs/argon2';
import { DEFAULT_ARGON2_PARAMS, type Argon2Params } from './argon2.js';

const checks = Number(process.argv[2] ?? 40);
const ARGON2ID = 2 as Algorithm;

async function run(name: string, p: Argon2Params, concurrency: number): Promise<void> {
  const options = {
    algorithm: ARGON2ID,
    memoryCost: p.memoryKib,
    timeCost: p.timeCost,
    parallelism: p.parallelism,
  };
  const stored = await hash('bench password', options);
  for (let i = 0; i < 3; i++) await verify(stored, 'bench password');
  let next = 0;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next++ < checks) await verify(stored, 'bench password');
    }),
  );
  const cpu = process.cpuUsage(cpu0);
  const per = (us: number) => (us / 1000 / checks).toFixed(2);
  console.log(
    `${name.padEnd(34)} ${concurrency} at once: ${per(cpu.user + cpu.system)} ms CPU per check ` +
      `(${per(cpu.system)} ms of it in the kernel), ${((performance.now() - t0) / checks).toFixed(2)} ms wall`,
  );
}

const label = (p: Argon2Params) => `m=${p.memoryKib} KiB, t=${p.timeCost}, p=${p.parallelism}`;
const owaspMinimum: Argon2Params = { memoryKib: 19_456, timeCost: 2, parallelism: 1 };
for (const concurrency of [1, 4]) {
  await run(`default ${label(DEFAULT_ARGON2_PARAMS)}`, DEFAULT_ARGON2_PARAMS, concurrency);
  await run(`OWASP minimum ${label(owaspMinimum)}`, owaspMinimum, concurrency);
}
