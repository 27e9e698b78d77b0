import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import express, {
  type ErrorRequestHandler,
  type Express,
  type Request,
  type RequestHandler,
  type Response,
} from 'express';
import helmet from 'helmet';
import { ERROR_STATUS, isDomainError, toWireError } from '@idp/events';
import type { Logger } from '@idp/observability';

export { express };
export type { Express, Request, RequestHandler, Response };

/** HTTP status per domain error kind (one table, shared with the RPC error header). */
export const httpStatus = ERROR_STATUS;

const CORRELATION = /^[A-Za-z0-9._:-]{8,128}$/;

declare module 'express-serve-static-core' {
  interface Request {
    correlationId: string;
    log: Logger;
  }
}

/**
 * An express app with the web-security baseline every page shares: strict CSP without inline
 * script, no framing, no referrer leakage, no `x-powered-by`; and a correlation id per request
 * (taken from `x-correlation-id` only when it looks like one, since it is client input).
 */
export function createWebApp(o: { log: Logger; trustProxy?: boolean | string }): Express {
  const app = express();
  app.disable('x-powered-by');
  if (o.trustProxy !== undefined) app.set('trust proxy', o.trustProxy);
  app.use(
    helmet({
      contentSecurityPolicy: {
        useDefaults: false,
        directives: {
          defaultSrc: ["'none'"],
          scriptSrc: ["'self'"],
          styleSrc: ["'self'"],
          imgSrc: ["'self'", 'data:'],
          fontSrc: ["'self'"],
          connectSrc: ["'self'"],
          formAction: ['*'],
          frameAncestors: ["'none'"],
          baseUri: ["'none'"],
        },
      },
      referrerPolicy: { policy: 'no-referrer' },
      crossOriginEmbedderPolicy: false,
      frameguard: { action: 'deny' },
    }),
  );
  const correlate: RequestHandler = (req, res, next) => {
    const given = req.header('x-correlation-id');
    req.correlationId = given && CORRELATION.test(given) ? given : randomUUID();
    req.log = o.log.child({ correlationId: req.correlationId });
    res.setHeader('x-correlation-id', req.correlationId);
    next();
  };
  app.use(correlate);
  return app;
}

/** Last middleware: a DomainError becomes its status and `{ code, message }`; anything else is a logged 500. */
export function errorHandler(): ErrorRequestHandler {
  return (err: unknown, req, res, _next) => {
    const wire = toWireError(err);
    const status = httpStatus[wire.kind];
    const log = req.log;
    if (!isDomainError(err) || status >= 500) log.error({ err, path: req.path }, 'request failed');
    else log.warn({ errorCode: wire.code, path: req.path }, 'request refused');
    if (res.headersSent) return;
    res
      .status(status)
      .json({ code: wire.code, message: isDomainError(err) ? wire.message : 'internal error' });
  };
}

export interface HttpServer {
  url: string;
  port: number;
  /** Stops accepting connections and waits for in-flight requests to finish. */
  close(): Promise<void>;
}

/** `static/` beside this package's src/ and dist/: the stylesheet the services' pages share. */
const SHARED_STATIC_DIR = fileURLToPath(new URL('../static', import.meta.url));

/**
 * Serves `/static/` from the service's own `dir`, then from the shared files (`base.css`, which each
 * service's layout links before its own stylesheet), cached for an hour; the service's file of a
 * name wins.
 */
export function mountStatic(app: Express, dir: string): void {
  const o = { maxAge: '1h', index: false } as const;
  app.use('/static', express.static(dir, o), express.static(SHARED_STATIC_DIR, o));
}

/** Listens and returns a graceful close: idle keep-alive sockets are closed, busy ones finish. */
export async function listen(
  app: Express,
  o: { host: string; port: number; log: Logger; name: string },
): Promise<HttpServer> {
  const server: Server = await new Promise((resolve, reject) => {
    const s = app.listen(o.port, o.host, (err?: Error) => (err ? reject(err) : resolve(s)));
    s.once('error', reject);
  });
  server.keepAliveTimeout = 5000;
  const { port } = server.address() as AddressInfo;
  const url = `http://${o.host}:${port}`;
  o.log.info({ url }, `${o.name} listening`);
  return {
    url,
    port,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeIdleConnections();
      }),
  };
}
export * from './views.js';
