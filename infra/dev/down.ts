/**
 * `make down`: stops the mesh that `make up` started, from any terminal. Asks the launcher to
 * stop its instances (it does so gracefully and removes var/run/mesh.json); if the launcher is
 * gone, stops the instances itself: SIGTERM, up to 12 s, then SIGKILL. Fine if nothing runs.
 */
import { REPO_ROOT } from './mesh.js';
import { isAlive, isRunning, readState, removeState, signal, statePath, waitGone } from './state.js';

/** The services' own shutdown deadline is 10 s; the launcher adds 2 s before it SIGKILLs. */
const STOP_TIMEOUT_MS = 12_000;

const out = (text: string) => process.stdout.write(`${text}\n`);

async function main(): Promise<number> {
  const state = readState(REPO_ROOT);
  if (!state) {
    out(`Nothing to stop: no ${statePath(REPO_ROOT)}.`);
    return 0;
  }
  const running = state.instances.filter((i) => isRunning(i.pid, i.command));
  const pids = running.map((i) => i.pid).filter((pid): pid is number => pid !== null);
  const launcher = state.supervisor.pid;

  if (isRunning(launcher, [state.supervisor.script])) {
    // Only the launcher is signalled: a second SIGTERM straight to an instance that is already
    // shutting down would kill it on the spot (its handler is installed once).
    out(`Asking the launcher (pid ${launcher}) to stop ${running.length} instances …`);
    process.kill(launcher, 'SIGTERM');
    // Its own timeout plus a margin for it to SIGKILL stragglers and exit.
    if (await waitGone([launcher, ...pids], STOP_TIMEOUT_MS + 5_000)) {
      removeState(REPO_ROOT);
      out('Stopped.');
      return 0;
    }
    out('The launcher did not finish in time; killing what is left.');
    signal(launcher, 'SIGKILL');
  } else if (running.length > 0) {
    out(`The launcher (pid ${launcher}) is gone; stopping its ${running.length} instances directly …`);
    for (const pid of pids) signal(pid, 'SIGTERM');
    await waitGone(pids, STOP_TIMEOUT_MS);
  }

  const stubborn = running.filter((i) => i.pid !== null && isAlive(i.pid));
  for (const i of stubborn) {
    out(`  ${i.label} (pid ${i.pid}) did not stop; sending SIGKILL`);
    if (i.pid !== null) signal(i.pid, 'SIGKILL');
  }
  await waitGone(
    stubborn.flatMap((i) => (i.pid === null ? [] : [i.pid])),
    3_000,
  );
  const left = running.filter((i) => i.pid !== null && isAlive(i.pid));
  for (const i of running) {
    const how = left.includes(i)
      ? 'is still running (check it by hand)'
      : stubborn.includes(i)
        ? 'killed'
        : 'stopped';
    out(`  ${i.label} (pid ${i.pid}) ${how}`);
  }
  if (running.length === 0) out('Nothing was running; removing the stale state file.');
  removeState(REPO_ROOT);
  return left.length === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
