/**
 * `make up`: starts every service as local processes (see mesh.ts), waits until each answers
 * /readyz, prints where to go, and supervises them until Ctrl-C.
 *
 *   node --conditions=source --import tsx infra/dev/up.ts
 *
 * Settings come from the environment (the Makefile passes its variables through):
 *   GATEWAY_REPLICAS ACCOUNTS_REPLICAS OTP_SENDER_REPLICAS ACTIVATION_REPLICAS RA_REPLICAS NOTARY_REPLICAS
 *                        (1 each; 0 = leave out)
 *   GATEWAY_PORT (8080)  CONSOLE_PORT (8090)  OPERATOR_PORT (8095; the notary's statistics page)
 *   ADMIN_PORT_BASE (9100; service k gets base + 10k)
 *   DEMO_SP_PORT (8081)  the demo e-service (test/sp/main.ts); 0 leaves it out
 *   <PREFIX>_COMMAND     run a service some other way, e.g.
 *                        ACCOUNTS_COMMAND="node --conditions=source --import tsx services/accounts/src/main.ts"
 *   MESH_READY_TIMEOUT_SECONDS (90), LOG_LEVEL (info), NATS_URL, REDIS_URL, PGHOST, PGPORT,
 *   PUBLIC_URL (the gateway's public address; http://localhost:<GATEWAY_PORT>)
 *
 * Once every instance is ready it creates the demo citizen (if absent) through the operator CLI,
 * and says so when this run made new development keys beside older data (see `make reset`).
 *
 * Signals: SIGINT/SIGTERM/SIGHUP stop everything (a second one kills at once); SIGUSR2 restarts
 * every instance that has exited.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, relative } from 'node:path';
import {
  DEFAULT_READY_TIMEOUT_MS,
  MeshError,
  REPO_ROOT,
  describeExit,
  meshData,
  meshOptionsFromEnv,
  startMesh,
  type InstanceExit,
  type Mesh,
  type MeshInstance,
} from './mesh.js';
import { readState, removeState, signal, stillRunning, writeState, type MeshState } from './state.js';

/** The demo citizen `make up` creates: a demo account, so its password is no secret. */
const DEMO_CITIZEN = {
  email: 'ana.novak@example.si',
  password: 'demo-geslo-2026',
  givenName: 'Ana',
  familyName: 'Novak',
  taxNumber: '50223054',
  birthDate: '1990-05-17',
  phone: '+38640123456',
} as const;

const out = (text = '') => process.stdout.write(`${text}\n`);
const fail = (text: string) => process.stderr.write(`${text}\n`);
// A closed terminal or `make up | head` must not crash the launcher while instances still run.
process.stdout.on('error', () => {});
process.stderr.on('error', () => {});

const startedAt = new Date();
let mesh: Mesh | undefined;
let shuttingDown = false;

/** A previous `make up` whose launcher or instances still run owns the ports and mesh.json. */
function refuseIfAlreadyRunning(): void {
  const previous = readState(REPO_ROOT);
  if (!previous) return;
  const alive = stillRunning(previous);
  if (alive.length > 0) {
    fail(`A mesh is already running (started ${previous.supervisor.startedAt}): ${alive.join(', ')}.`);
    fail('Stop it first with: make down   (or see it with: make status)');
    process.exit(1);
  }
  // Left behind by a launcher that was killed outright; nothing of it runs any more.
  removeState(REPO_ROOT);
}

function publicUrl(i: MeshInstance): string | undefined {
  return i.httpPort === undefined ? undefined : `http://localhost:${i.httpPort}`;
}

function saveState(m: Mesh): void {
  const urls = (name: string) =>
    m.instances.filter((i) => i.name === name).flatMap((i) => publicUrl(i) ?? []);
  const state: MeshState = {
    version: 1,
    supervisor: { pid: process.pid, script: process.argv[1] ?? 'up.ts', startedAt: startedAt.toISOString() },
    root: REPO_ROOT,
    instances: m.instances.map((i) => ({
      name: i.name,
      index: i.index,
      id: i.id,
      label: i.label,
      pid: i.pid ?? null,
      adminPort: i.adminPort,
      adminUrl: i.adminUrl,
      ...(i.httpPort !== undefined ? { httpPort: i.httpPort } : {}),
      ...(i.httpUrl !== undefined ? { httpUrl: i.httpUrl } : {}),
      logFile: i.logFile,
      command: [...i.command],
    })),
    urls: {
      gateway: urls('idp-gateway'),
      console: urls('registration-authority'),
      operator: urls('notary').map((u) => `${u}/stats`),
    },
  };
  writeState(REPO_ROOT, state);
}

const rel = (path: string) => relative(REPO_ROOT, path) || '.';

function onUnexpectedExit(instance: MeshInstance, exit: InstanceExit): void {
  // Before readiness the startup report covers it; after, the person at the terminal must act.
  if (!exit.wasReady || shuttingDown) return;
  mesh?.say(
    `${instance.label} ${describeExit(exit)}; it is not restarted automatically. Its log: ${rel(instance.logFile)}`,
  );
  mesh?.say(
    `To restart it: kill -USR2 ${process.pid}  (restarts every stopped instance), or make down && make up`,
  );
}

let firstSignalAt = 0;

async function shutdown(reason: string): Promise<never> {
  // Wrappers such as `timeout` or a package-manager script pass the terminal's SIGINT on to us as
  // well, so one Ctrl-C can arrive twice within milliseconds: that is not a request to force.
  if (shuttingDown && Date.now() - firstSignalAt < 500) return new Promise<never>(() => {});
  if (shuttingDown) {
    // Second Ctrl-C: the person does not want to wait for graceful shutdown.
    out(`\n${reason} again: killing every instance now`);
    for (const i of mesh?.instances ?? []) if (i.running && i.pid !== undefined) signal(i.pid, 'SIGKILL');
    removeState(REPO_ROOT);
    process.exit(1);
  }
  shuttingDown = true;
  firstSignalAt = Date.now();
  if (!mesh) process.exit(0);
  out(`\n${reason}: stopping ${mesh.instances.length} instances (again to kill them at once) …`);
  const results = await mesh.stop();
  removeState(REPO_ROOT);
  const unclean = results.filter((r) => r.wasRunning && (r.forced || r.code !== 0));
  out(
    unclean.length === 0
      ? 'All instances stopped cleanly.'
      : `Stopped; not cleanly: ${unclean.map((r) => `${r.label} (${r.forced ? 'killed' : describeExit(r)})`).join(', ')}.`,
  );
  process.exit(0);
}

async function restartStopped(m: Mesh): Promise<void> {
  const stopped = m.instances.filter((i) => !i.running);
  if (stopped.length === 0) return m.say('SIGUSR2: every instance is running; nothing to restart');
  try {
    for (const i of stopped) {
      m.say(`SIGUSR2: restarting ${i.label}`);
      await m.restart(i.name, i.index, { waitReady: false });
    }
    // New pids: `make down` from another terminal must find them.
    saveState(m);
    await m.waitReady();
  } catch (err) {
    m.say(err instanceof Error ? err.message : String(err));
  }
}

/**
 * Creates the demo citizen through `pnpm idp account create` (over NATS, by the accounts service's
 * own rules). Idempotent: an account that already has the e-mail is the one from an earlier run.
 */
function seedDemoCitizen(m: Mesh): Promise<'created' | 'present' | string> {
  const c = DEMO_CITIZEN;
  const argv = [
    '--conditions=source',
    '--import',
    'tsx',
    'libs/cli/src/main.ts',
    'account',
    'create',
    '--email',
    c.email,
    '--password-stdin',
    '--given-name',
    c.givenName,
    '--family-name',
    c.familyName,
    '--tax-number',
    c.taxNumber,
    '--birth-date',
    c.birthDate,
    '--phone',
    c.phone,
    '--smspass',
    'active',
  ];
  return new Promise((resolveSeed) => {
    const child = spawn(process.execPath, argv, {
      cwd: m.root,
      env: { ...process.env, NATS_URL: process.env.NATS_URL || 'nats://127.0.0.1:4222' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let text = '';
    child.stdout.on('data', (b: Buffer) => (text += b.toString()));
    child.stderr.on('data', (b: Buffer) => (text += b.toString()));
    child.on('error', (err) => resolveSeed(`could not run the CLI: ${err.message}`));
    child.on('close', (code) => {
      if (code === 0) return resolveSeed('created');
      // The CLI's words for accounts.email_taken: the demo citizen is there from an earlier run.
      if (/account with e-mail .* already exists/.test(text)) return resolveSeed('present');
      resolveSeed(text.trim() || `the CLI exited with code ${code}`);
    });
    child.stdin.end(`${c.password}\n`);
  });
}

/**
 * The data `make up` keeps lives in the machine's NATS, PostgreSQL and Redis, the keys that sign and
 * encrypt it in var/. Keys this run made, beside a demo citizen from before it, belong to other data.
 */
const OLDER_DATA_NOTE = [
  '',
  'Note: this run made new development keys in var/, but the data on this machine is older (the demo',
  'citizen was there already): it comes from another checkout, or from before var/ was removed.',
  '`pnpm idp audit verify` will report its events as signed by unknown keys, and the personal data it',
  'encrypted cannot be read here. To start clean: make down, make reset, make up.',
];

async function prepareDemo(m: Mesh, newKeys: boolean): Promise<string[]> {
  const sp = m.instances.find((i) => i.name === 'demo-sp');
  const gateway = m.instances.find((i) => i.name === 'idp-gateway');
  if (!sp || !gateway) return [];
  if (!m.instances.some((i) => i.name === 'accounts')) {
    return [
      `  Demo e-service:      http://localhost:${sp.adminPort}  (no accounts service: no demo citizen)`,
    ];
  }
  const seeded = await seedDemoCitizen(m);
  const c = DEMO_CITIZEN;
  if (seeded !== 'created' && seeded !== 'present') {
    return [
      `  Demo e-service:      http://localhost:${sp.adminPort}`,
      `  The demo citizen could not be created: ${seeded}`,
    ];
  }
  return [
    `  Demo e-service:      http://localhost:${sp.adminPort}`,
    `  Demo citizen:        ${c.email} / ${c.password}  (${c.givenName} ${c.familyName}, phone ${c.phone}; ${seeded === 'created' ? 'created now' : 'already there'})`,
    '',
    `Open http://localhost:${sp.adminPort}, click Log in, sign in as ${c.email} / ${c.password},`,
    `read the SMS code at ${publicUrl(gateway) ?? 'the gateway'}/dev/sms`,
    ...(seeded === 'present' && newKeys ? OLDER_DATA_NOTE : []),
  ];
}

function printSummary(m: Mesh, demo: readonly string[]): void {
  const width = Math.max(...m.instances.map((i) => i.label.length));
  const seconds = ((Date.now() - startedAt.getTime()) / 1000).toFixed(1);
  out('');
  out(`All ${m.instances.length} instances are ready (${seconds} s):`);
  for (const i of m.instances) {
    const http = i.httpUrl ? `   http ${i.httpUrl}` : '';
    const what = i.name === 'demo-sp' ? 'http ' : 'admin';
    out(`  ${i.label.padEnd(width)}  ${what} ${i.adminUrl}${http}`);
  }
  const gateway = m.instances.filter((i) => i.name === 'idp-gateway').flatMap((i) => publicUrl(i) ?? []);
  const officer = m.instances
    .filter((i) => i.name === 'registration-authority')
    .flatMap((i) => publicUrl(i) ?? []);
  const operator = m.instances
    .filter((i) => i.name === 'notary')
    .flatMap((i) => publicUrl(i) ?? [])
    .map((u) => `${u}/stats`);
  out('');
  if (gateway.length > 0) out(`  Gateway (SAML IdP):  ${gateway.join('  ')}`);
  if (officer.length > 0) out(`  Officer console:     ${officer.join('  ')}`);
  if (operator.length > 0) out(`  Statistics:          ${operator.join('  ')}  (operators only)`);
  if (gateway.length > 1 || officer.length > 1 || operator.length > 1)
    out('  (one URL per replica: there is no load balancer in front of them locally)');
  for (const line of demo) out(line);
  out('');
  const logDir = m.instances[0] ? rel(dirname(m.instances[0].logFile)) : 'var/log';
  out(`Logs: ${logDir}/<name>-<i>.log (make logs). From another terminal: make status, make down.`);
  out('Ctrl-C here stops everything.');
  out('');
}

async function main(): Promise<number> {
  refuseIfAlreadyRunning();
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(sig, () => void shutdown(sig));

  const options = meshOptionsFromEnv();
  const newKeys = !existsSync(meshData(options).eventKeysDir);
  // Own process groups: Ctrl-C reaches only this launcher, which stops each instance once, in order.
  // The demo e-service is part of `make up` unless DEMO_SP_PORT=0.
  mesh = await startMesh({ demoSp: true, ...options, detached: true, onUnexpectedExit });
  saveState(mesh);
  const timeout = (options.readyTimeoutMs ?? DEFAULT_READY_TIMEOUT_MS) / 1000;
  mesh.say(`started ${mesh.instances.length} instances; waiting up to ${timeout} s for each to be ready`);

  try {
    await mesh.waitReady();
  } catch (err) {
    // Ctrl-C during startup makes instances exit "before ready": shutdown() reports that, not us.
    if (shuttingDown) return new Promise<never>(() => {});
    fail(`\n${err instanceof Error ? err.message : String(err)}\n`);
    fail('The mesh did not start; stopping what did.');
    shuttingDown = true;
    await mesh.stop();
    removeState(REPO_ROOT);
    return 1;
  }
  if (shuttingDown) return new Promise<never>(() => {});

  const demo = await prepareDemo(mesh, newKeys);
  if (shuttingDown) return new Promise<never>(() => {});
  printSummary(mesh, demo);
  const m = mesh;
  process.on('SIGUSR2', () => void restartStopped(m));
  // Supervise until a signal: with every instance dead there would be nothing left holding the
  // event loop open, and the launcher would exit without cleaning up.
  setInterval(() => {}, 1 << 30);
  return new Promise<never>(() => {});
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    fail(
      err instanceof MeshError
        ? err.message
        : err instanceof Error
          ? (err.stack ?? err.message)
          : String(err),
    );
    if (mesh) {
      void mesh.stop().finally(() => {
        removeState(REPO_ROOT);
        process.exit(1);
      });
    } else {
      process.exit(1);
    }
  },
);
