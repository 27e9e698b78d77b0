import { randomUUID } from 'node:crypto';
import {
  NoRespondersError,
  RequestError,
  TimeoutError,
  type Msg,
  type NatsConnection,
  type Subscription,
} from '@nats-io/nats-core';
import { Histogram, type Logger, type Registry } from '@idp/observability';
import { z } from 'zod';
import type { RpcDef, RpcRequest, RpcResponse } from './define.js';
import {
  DomainError,
  ERROR_KINDS,
  ERROR_STATUS,
  RemoteError,
  toWireError,
  type ErrorKind,
} from './errors.js';
import { HEADER, contextHeaders } from './nats.js';

/** What a handler knows about the call besides its payload. */
export interface RpcContext {
  correlationId: string;
  causationId?: string;
  /** Epoch ms after which the caller has stopped waiting. */
  deadline: number;
  log: Logger;
}

export interface RpcHandler<C extends RpcDef = RpcDef> {
  contract: C;
  handle(request: z.infer<C['request']>, ctx: RpcContext): Promise<RpcResponse<C>>;
}

/** Pairs a contract with its handler, keeping request and reply types. */
export const rpcHandler = <C extends RpcDef>(
  contract: C,
  handle: RpcHandler<C>['handle'],
): RpcHandler<C> => ({
  contract,
  handle,
});

const WireReply = z.discriminatedUnion('ok', [
  z.object({ ok: z.literal(true), data: z.unknown() }),
  z.object({
    ok: z.literal(false),
    error: z.object({
      kind: z.enum(ERROR_KINDS as [ErrorKind, ...ErrorKind[]]),
      code: z.string(),
      message: z.string(),
    }),
  }),
]);

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export interface RpcServer {
  /** Stops taking requests, lets the in-flight ones finish and reply, then resolves. */
  stop(): Promise<void>;
}

export interface ServeRpcOptions {
  /** Queue group: every instance of a service shares its requests. */
  service: string;
  log: Logger;
  registry: Registry;
}

const histograms = new WeakMap<Registry, Histogram<'subject' | 'outcome'>>();
function rpcHistogram(registry: Registry) {
  let h = histograms.get(registry);
  if (!h) {
    h = new Histogram({
      name: 'idp_rpc_duration_seconds',
      help: 'Time to answer a NATS request, by subject and outcome (ok or error kind).',
      labelNames: ['subject', 'outcome'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    });
    histograms.set(registry, h);
  }
  return h;
}

/**
 * Answers each contract's subject in the service's queue group. The request is validated before
 * the handler sees it; a failure goes back as a typed error reply (kind + code), never as silence.
 */
export function serveRpc(nc: NatsConnection, handlers: RpcHandler[], o: ServeRpcOptions): RpcServer {
  const inFlight = new Set<Promise<void>>();
  const subs: Subscription[] = [];
  const histogram = rpcHistogram(o.registry);

  for (const h of handlers) {
    const sub = nc.subscribe(h.contract.subject, {
      queue: o.service,
      callback: (err, msg) => {
        if (err) {
          o.log.error({ err, subject: h.contract.subject }, 'rpc subscription error');
          return;
        }
        const p = answer(h, msg).finally(() => inFlight.delete(p));
        inFlight.add(p);
      },
    });
    subs.push(sub);
  }

  async function answer(h: RpcHandler, msg: Msg): Promise<void> {
    const started = process.hrtime.bigint();
    const correlationId = msg.headers?.get(HEADER.correlationId) || randomUUID();
    const causationId = msg.headers?.get(HEADER.causationId) || undefined;
    const deadline = Number(msg.headers?.get(HEADER.deadline)) || Date.now() + 30_000;
    const log = o.log.child({ subject: h.contract.subject, correlationId });
    let outcome = 'ok';
    try {
      if (Date.now() > deadline) {
        outcome = 'expired';
        log.warn('request arrived after its deadline; dropped');
        return;
      }
      let body: unknown;
      try {
        body = JSON.parse(decoder.decode(msg.data));
      } catch {
        throw new DomainError('invalid_argument', 'rpc.invalid_request', { message: 'request is not JSON' });
      }
      const parsed = h.contract.request.safeParse(body);
      if (!parsed.success) {
        throw new DomainError('invalid_argument', 'rpc.invalid_request', {
          message: parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; '),
        });
      }
      const ctx: RpcContext = { correlationId, deadline, log, ...(causationId ? { causationId } : {}) };
      const result = await h.handle(parsed.data, ctx);
      msg.respond(encoder.encode(JSON.stringify({ ok: true, data: result })));
    } catch (err) {
      const wire = toWireError(err);
      outcome = wire.kind;
      if (wire.kind === 'internal') log.error({ err }, 'rpc handler failed');
      else log.warn({ errorCode: wire.code, kind: wire.kind }, 'rpc answered with an error');
      const hdrs = contextHeaders(
        { correlationId },
        {
          'Nats-Service-Error-Code': String(ERROR_STATUS[wire.kind]),
          'Nats-Service-Error': wire.code,
        },
      );
      msg.respond(encoder.encode(JSON.stringify({ ok: false, error: wire })), { headers: hdrs });
    } finally {
      histogram.observe(
        { subject: h.contract.subject, outcome },
        Number(process.hrtime.bigint() - started) / 1e9,
      );
    }
  }

  return {
    async stop() {
      await Promise.all(subs.map((s) => s.drain()));
      await Promise.allSettled([...inFlight]);
    },
  };
}

export interface CallOptions {
  correlationId: string;
  causationId?: string;
  timeoutMs?: number;
}

export interface RpcClient {
  /** Sends a request and resolves with the typed reply, or rejects with a {@link DomainError}. */
  call<C extends RpcDef>(contract: C, request: RpcRequest<C>, options: CallOptions): Promise<RpcResponse<C>>;
}

/** Every call has a deadline; a missing or silent service becomes `unavailable`, never a hang. */
export function createRpcClient(nc: NatsConnection, o: { defaultTimeoutMs: number }): RpcClient {
  return {
    async call(contract, request, options) {
      const parsed = contract.request.safeParse(request);
      if (!parsed.success) {
        throw new DomainError('invalid_argument', 'rpc.invalid_request', { message: parsed.error.message });
      }
      const timeout = options.timeoutMs ?? o.defaultTimeoutMs;
      const headers = contextHeaders(options, { [HEADER.deadline]: String(Date.now() + timeout) });
      let reply: Msg;
      try {
        reply = await nc.request(contract.subject, encoder.encode(JSON.stringify(parsed.data)), {
          timeout,
          headers,
        });
      } catch (err) {
        throw mapRequestError(err, contract.subject);
      }
      let body: z.infer<typeof WireReply>;
      try {
        body = WireReply.parse(JSON.parse(decoder.decode(reply.data)));
      } catch (cause) {
        throw new DomainError('internal', 'rpc.invalid_reply', {
          cause,
          message: `unreadable reply on ${contract.subject}`,
        });
      }
      if (!body.ok) throw new RemoteError(body.error.kind, body.error.code, body.error.message);
      const data = contract.response.safeParse(body.data);
      if (!data.success) {
        throw new DomainError('internal', 'rpc.invalid_reply', {
          message: `reply on ${contract.subject}: ${data.error.message}`,
        });
      }
      return data.data as RpcResponse<typeof contract>;
    },
  };
}

function mapRequestError(err: unknown, subject: string): DomainError {
  const inner = err instanceof RequestError && err.cause ? err.cause : err;
  if (
    err instanceof NoRespondersError ||
    inner instanceof NoRespondersError ||
    (err instanceof RequestError && err.isNoResponders())
  ) {
    return new DomainError('unavailable', 'rpc.no_responders', {
      cause: err,
      message: `no service answers ${subject}`,
    });
  }
  if (err instanceof TimeoutError || inner instanceof TimeoutError) {
    return new DomainError('unavailable', 'rpc.timeout', {
      cause: err,
      message: `no reply on ${subject} in time`,
    });
  }
  return new DomainError('unavailable', 'rpc.connection_closed', {
    cause: err,
    message: `request on ${subject} failed`,
  });
}
