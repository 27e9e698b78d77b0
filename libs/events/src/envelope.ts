import { z } from 'zod';
import { v7 as uuidv7 } from 'uuid';

/** One schema for every event and job on JetStream. `data` is checked against the subject's own schema. */
export const Envelope = z.object({
  /** UUIDv7; also sent as `Nats-Msg-Id` so a retried publish is de-duplicated by JetStream. */
  id: z.string().uuid(),
  subject: z.string().min(1),
  occurredAt: z.string().datetime({ offset: true }),
  /** `<service>@<version>/<instance>` */
  producer: z.string().min(1),
  aggregate: z.object({ type: z.string().min(1), id: z.string().min(1) }),
  actor: z.object({
    kind: z.enum(['user', 'service', 'admin', 'anonymous']),
    id: z.string().optional(),
  }),
  /** One per login or registration journey; crosses every hop. */
  correlationId: z.string().min(1),
  /** Id of the message that caused this one. */
  causationId: z.string().optional(),
  data: z.unknown(),
});
export type Envelope<D = unknown> = Omit<z.infer<typeof Envelope>, 'data'> & { data: D };

export const newEventId = (): string => uuidv7();
