import type { EventDef, JobDef, MessageDef, RpcDef } from './define.js';
import { MessagingMessageDeadLetteredV1 } from './contracts/messaging.js';
import { serviceStatus } from './contracts/services.js';
import { ACCOUNTS_CONTRACTS } from './contracts/accounts.js';
import { ACTIVATION_CONTRACTS } from './contracts/activation.js';
import { OTP_CONTRACTS } from './contracts/otp.js';
import { SAML_CONTRACTS } from './contracts/saml.js';

/** The closed list of everything that travels on NATS. A subject not here cannot reach a stream. */
export class Catalog {
  readonly events: readonly EventDef[];
  readonly jobs: readonly JobDef[];
  readonly rpcs: readonly RpcDef[];
  private readonly bySubject = new Map<string, MessageDef | RpcDef>();

  constructor(defs: readonly (MessageDef | RpcDef)[]) {
    for (const d of defs) {
      if (this.bySubject.has(d.subject)) throw new Error(`duplicate subject in catalog: ${d.subject}`);
      this.bySubject.set(d.subject, d);
    }
    this.events = defs.filter((d): d is EventDef => d.kind === 'event');
    this.jobs = defs.filter((d): d is JobDef => d.kind === 'job');
    this.rpcs = defs.filter((d): d is RpcDef => d.kind === 'rpc');
  }

  /** The event or job definition for a stored message's subject, if the catalog has it. */
  message(subject: string): MessageDef | undefined {
    const d = this.bySubject.get(subject);
    return d && d.kind !== 'rpc' ? d : undefined;
  }

  get(subject: string): MessageDef | RpcDef | undefined {
    return this.bySubject.get(subject);
  }

  /** Work queues named by the jobs, each becoming its own work-queue stream. */
  queues(): string[] {
    return [...new Set(this.jobs.map((j) => j.queue))].sort();
  }

  /** Extends this catalog (tests add their own subjects this way). */
  with(defs: readonly (MessageDef | RpcDef)[]): Catalog {
    return new Catalog([...this.bySubject.values(), ...defs]);
  }
}

export const catalog = new Catalog([
  MessagingMessageDeadLetteredV1,
  ...Object.values(serviceStatus),
  ...ACCOUNTS_CONTRACTS,
  ...ACTIVATION_CONTRACTS,
  ...OTP_CONTRACTS,
  ...SAML_CONTRACTS,
]);
