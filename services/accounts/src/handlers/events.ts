import { buildEnvelope, type Catalog, type MessageDef, type MessageInput } from '@idp/events';
import type { Clock, EventFactory } from '../ports.js';

/** Envelopes stamped with this process as producer and the service clock as `occurredAt`. */
export function eventFactory(o: { producer: string; catalog: Catalog; clock: Clock }): EventFactory {
  return <E extends MessageDef>(def: E, input: MessageInput<E>, ctx: Parameters<EventFactory>[2]) =>
    buildEnvelope(def, input, ctx, { producer: o.producer, catalog: o.catalog, now: () => o.clock.now() });
}

/** The aggregate every account event is about. */
export const accountAggregate = (accountId: string) => ({ type: 'account', id: accountId });
