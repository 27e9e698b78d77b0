/**
 * `make status`: one line per instance of the local mesh (ready, not ready and why, or not
 * running). Reads var/run/mesh.json; without it, probes the default port table. Exits 0 only
 * when every instance is ready.
 */
import { REPO_ROOT, meshOptionsFromEnv, planMesh, probeReadiness, type Readiness } from './mesh.js';
import { isRunning, readState } from './state.js';

interface Row {
  label: string;
  adminUrl: string;
  httpUrl?: string;
  pid: number | null;
  command: readonly string[];
}

const out = (text = '') => process.stdout.write(`${text}\n`);
const color = Boolean(process.stdout.isTTY) && process.env.NO_COLOR === undefined;
const paint = (code: string, text: string) => (color ? `\u001b[${code}m${text}\u001b[0m` : text);

function describe(row: Row, r: Readiness): { ok: boolean; text: string } {
  if (r.state === 'ready') return { ok: true, text: paint('32', 'ready') };
  if (r.state === 'not-ready') return { ok: false, text: paint('33', `not ready: ${r.detail}`) };
  // Nothing answers on the admin port: distinguish a live process that is still starting (or
  // wedged) from one that is gone.
  if (row.pid !== null && isRunning(row.pid, row.command)) {
    return {
      ok: false,
      text: paint('33', `not ready: admin port does not answer (${r.detail}), pid ${row.pid} alive`),
    };
  }
  return { ok: false, text: paint('31', 'not running') };
}

async function main(): Promise<number> {
  const state = readState(REPO_ROOT);
  let rows: Row[];
  if (state) {
    rows = state.instances.map((i) => ({ ...i }));
    const launcherAlive = isRunning(state.supervisor.pid, [state.supervisor.script]);
    out(
      `Mesh started ${state.supervisor.startedAt} by pid ${state.supervisor.pid}` +
        (launcherAlive ? '' : ' (that launcher is gone: make down cleans up what is left)'),
    );
  } else {
    rows = planMesh(meshOptionsFromEnv()).map((p) => ({
      label: p.label,
      adminUrl: p.adminUrl,
      ...(p.httpUrl !== undefined ? { httpUrl: p.httpUrl } : {}),
      pid: null,
      command: p.command,
    }));
    out('No var/run/mesh.json (make up is not running here); probing the default ports.');
  }
  if (rows.length === 0) {
    out('The mesh has no instances.');
    return 1;
  }

  const results = await Promise.all(
    rows.map(async (row) => describe(row, await probeReadiness(row.adminUrl, 2000))),
  );
  const width = Math.max(...rows.map((r) => r.label.length));
  const urlWidth = Math.max(...rows.map((r) => r.adminUrl.length));
  rows.forEach((row, k) => {
    const result = results[k];
    const http = row.httpUrl ? `  (serves ${row.httpUrl})` : '';
    out(`  ${row.label.padEnd(width)}  ${row.adminUrl.padEnd(urlWidth)}  ${result?.text ?? '?'}${http}`);
  });
  const ready = results.filter((r) => r.ok).length;
  out(`${ready} of ${rows.length} ready.`);
  return ready === rows.length ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(2);
  },
);
