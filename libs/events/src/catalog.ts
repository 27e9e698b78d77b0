import type { EventDef, JobDef, MessageDef, RpcDef, SealDef } from './define.js';
import { MessagingMessageDeadLetteredV1 } from './contracts/messaging.js';
import { serviceStatus } from './contracts/services.js';
import { SEAL_CONTRACTS } from './contracts/seals.js';
import { ACCOUNTS_CONTRACTS } from './contracts/accounts.js';
import { OTP_CONTRACTS } from './contracts/otp.js';
import { SAML_CONTRACTS } from './contracts/saml.js';
import { ACTIVATION_CONTRACTS } from './contracts/activation.js';
import { CORRECTION_CONTRACTS } from './contracts/correction.js';
import { RA_CONTRACTS } from './contracts/ra.js';
import { NOTARY_CONTRACTS } from './contracts/notary.js';

export type CatalogDef = MessageDef | RpcDef | SealDef;

/** The closed list of everything that travels on NATS. A subject not here cannot reach a stream. */
export class Catalog {
  readonly events: readonly EventDef[];
  readonly jobs: readonly JobDef[];
  readonly rpcs: readonly RpcDef[];
  /** Records about the log itself (the notary's checkpoints): stored in `IDP_SEALS`, not `IDP_EVENTS`. */
  readonly seals: readonly SealDef[];
  private readonly bySubject = new Map<string, CatalogDef>();

  constructor(defs: readonly CatalogDef[]) {
    for (const d of defs) {
      if (this.bySubject.has(d.subject)) throw new Error(`duplicate subject in catalog: ${d.subject}`);
      this.bySubject.set(d.subject, d);
    }
    this.events = defs.filter((d): d is EventDef => d.kind === 'event');
    this.jobs = defs.filter((d): d is JobDef => d.kind === 'job');
    this.rpcs = defs.filter((d): d is RpcDef => d.kind === 'rpc');
    this.seals = defs.filter((d): d is SealDef => d.kind === 'seal');
  }

  /** The event or job definition for a stored message's subject, if the catalog has it. */
  message(subject: string): MessageDef | undefined {
    const d = this.bySubject.get(subject);
    return d && (d.kind === 'event' || d.kind === 'job') ? d : undefined;
  }

  get(subject: string): CatalogDef | undefined {
    return this.bySubject.get(subject);
  }

  /** Work queues named by the jobs, each becoming its own work-queue stream. */
  queues(): string[] {
    return [...new Set(this.jobs.map((j) => j.queue))].sort();
  }

  /** Extends this catalog (tests add their own subjects this way). */
  with(defs: readonly CatalogDef[]): Catalog {
    return new Catalog([...this.bySubject.values(), ...defs]);
  }
}

export const catalog = new Catalog([
  MessagingMessageDeadLetteredV1,
  ...Object.values(serviceStatus),
  ...ACCOUNTS_CONTRACTS,
  ...OTP_CONTRACTS,
  ...SAML_CONTRACTS,
  ...ACTIVATION_CONTRACTS,
  ...CORRECTION_CONTRACTS,
  ...RA_CONTRACTS,
  ...SEAL_CONTRACTS,
  ...NOTARY_CONTRACTS,
]);
