import { connect } from '@nats-io/transport-node';
import { headers as natsHeaders, type MsgHdrs, type NatsConnection } from '@nats-io/nats-core';
import type { Logger } from '@idp/observability';

export type { NatsConnection, MsgHdrs };

/** Header names that carry the journey across every hop (HTTP `x-correlation-id` → NATS → envelope). */
export const HEADER = {
  correlationId: 'idp-correlation-id',
  causationId: 'idp-causation-id',
  /** Absolute deadline (epoch ms): a server drops work whose caller has already given up. */
  deadline: 'idp-deadline',
} as const;

export interface MessageContext {
  correlationId: string;
  causationId?: string;
}

export function contextHeaders(ctx: MessageContext, extra: Record<string, string> = {}): MsgHdrs {
  const h = natsHeaders();
  h.set(HEADER.correlationId, ctx.correlationId);
  if (ctx.causationId) h.set(HEADER.causationId, ctx.causationId);
  for (const [k, v] of Object.entries(extra)) h.set(k, v);
  return h;
}

export interface NatsHandle {
  nc: NatsConnection;
  /** False while the client is between a disconnect and a reconnect. */
  isConnected(): boolean;
  /** Readiness: rejects unless the server answers a round trip. */
  check(): Promise<void>;
}

/**
 * Connects and keeps reconnecting forever: a NATS restart must not crash the service (a crash loop
 * would make an outage worse). Readiness reports the outage meanwhile.
 */
export async function connectNats(o: { url: string; name: string; log: Logger }): Promise<NatsHandle> {
  const nc = await connect({
    servers: o.url.split(',').map((s) => s.trim()),
    name: o.name,
    maxReconnectAttempts: -1,
    reconnectTimeWait: 500,
    waitOnFirstConnect: true,
    pingInterval: 5000,
    maxPingOut: 2,
    // nats.js otherwise builds an Error (a stack capture) for every request and subscription just in
    // case it times out: measurable CPU on every RPC, while our errors already carry subject and code.
    noAsyncTraces: true,
  });
  let connected = true;
  o.log.info({ server: nc.getServer() }, 'nats connected');
  void (async () => {
    for await (const s of nc.status()) {
      if (s.type === 'disconnect') {
        connected = false;
        o.log.warn({ server: s.server }, 'nats disconnected; reconnecting');
      } else if (s.type === 'reconnect') {
        connected = true;
        o.log.info({ server: s.server }, 'nats reconnected');
      } else if (s.type === 'error') {
        o.log.error({ err: s.error }, 'nats error');
      }
    }
  })();
  return {
    nc,
    isConnected: () => connected && !nc.isClosed(),
    check: async () => {
      if (nc.isClosed()) throw new Error('connection closed');
      if (!connected) throw new Error('disconnected');
      await nc.rtt();
    },
  };
}
