import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT } from '../../../infra/dev/mesh.js';
import type { Stack } from './stack.js';

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * The operator CLI (`pnpm idp …`) as an operator runs it, built like the services (dist/), against
 * the stack's NATS server. `stdin` is written and closed (for `--password-stdin`).
 */
export function runCli(stack: Stack, args: readonly string[], stdin = ''): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(REPO_ROOT, 'libs/cli/dist/main.js'), ...args], {
      cwd: REPO_ROOT,
      env: { ...process.env, NATS_URL: stack.nats.url },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(stdin);
  });
}
