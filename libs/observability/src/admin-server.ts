import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import type { Logger } from './logger.js';

/** A readiness check resolves when the dependency answers and rejects (with a reason) when it does not. */
export type ReadinessCheck = () => Promise<void>;

export interface AdminServerOptions {
  host: string;
  port: number;
  log: Logger;
  registry: Registry;
  checks: Record<string, ReadinessCheck>;
  checkTimeoutMs?: number;
  /** Reported by /healthz and /readyz so an operator sees which process answered. */
  identity: { service: string; instance: string; version: string };
}

export interface AdminServer {
  url: string;
  port: number;
  /** From now on /readyz answers 503 so load balancers stop sending work while we drain. */
  markShuttingDown(): void;
  close(): Promise<void>;
}

export interface ReadinessReport {
  ready: boolean;
  checks: Record<string, string>;
}

/** Runs every check in parallel, each bounded by `timeoutMs`, and reports each one's state. */
export async function checkReadiness(
  checks: Record<string, ReadinessCheck>,
  timeoutMs: number,
): Promise<ReadinessReport> {
  const entries = await Promise.all(
    Object.entries(checks).map(async ([name, check]) => {
      let timer: NodeJS.Timeout | undefined;
      try {
        await Promise.race([
          check(),
          new Promise<never>((_, reject) => {
            timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
          }),
        ]);
        return [name, 'ok'] as const;
      } catch (err) {
        return [name, `down: ${err instanceof Error ? err.message : String(err)}`] as const;
      } finally {
        clearTimeout(timer);
      }
    }),
  );
  return { ready: entries.every(([, state]) => state === 'ok'), checks: Object.fromEntries(entries) };
}

/**
 * The admin port: /healthz (the process is alive), /readyz (its dependencies answer), /metrics.
 * Plain node:http because three fixed read-only routes need no framework.
 */
export async function startAdminServer(o: AdminServerOptions): Promise<AdminServer> {
  let shuttingDown = false;
  const timeoutMs = o.checkTimeoutMs ?? 1500;
  const server: Server = createServer((req, res) => {
    const send = (status: number, body: unknown, type = 'application/json') => {
      res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
      res.end(typeof body === 'string' ? body : JSON.stringify(body));
    };
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET') return send(405, { code: 'http.method_not_allowed' });
    if (path === '/healthz') return send(200, { status: 'alive', ...o.identity });
    if (path === '/readyz') {
      if (shuttingDown) return send(503, { status: 'shutting_down', ...o.identity, checks: {} });
      checkReadiness(o.checks, timeoutMs).then(
        (r) =>
          send(r.ready ? 200 : 503, {
            status: r.ready ? 'ready' : 'not_ready',
            ...o.identity,
            checks: r.checks,
          }),
        (err: unknown) => send(500, { status: 'error', error: String(err) }),
      );
      return;
    }
    if (path === '/metrics') {
      o.registry.metrics().then(
        (text) => send(200, text, o.registry.contentType),
        (err: unknown) => {
          o.log.error({ err }, 'metrics collection failed');
          send(500, { code: 'metrics.failed' });
        },
      );
      return;
    }
    send(404, { code: 'http.not_found' });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://${o.host.includes(':') ? `[${o.host}]` : o.host}:${port}`;
  o.log.info({ url }, 'admin server listening');
  return {
    url,
    port,
    markShuttingDown: () => {
      shuttingDown = true;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
