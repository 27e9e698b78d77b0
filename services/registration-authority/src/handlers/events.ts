import { buildEnvelope, type Catalog, type EventDef, type MessageInput } from '@idp/events';
import type { Clock, EventFactory } from '../ports.js';

/** Envelopes stamped with this process as producer and the service clock as `occurredAt`. */
export function eventFactory(o: { producer: string; catalog: Catalog; clock: Clock }): EventFactory {
  return <E extends EventDef>(def: E, input: MessageInput<E>, ctx: Parameters<EventFactory>[2]) =>
    buildEnvelope(def, input, ctx, { producer: o.producer, catalog: o.catalog, now: () => o.clock.now() });
}
