import type { RpcClient } from '@idp/events';
import type { Logger } from '@idp/observability';
import type { SecretBox } from '../adapters/crypto/secret-box.js';
import type { LockoutPolicy } from '../domain/lockout.js';
import type { SessionPolicy } from '../domain/session.js';
import type { Clock, EventFactory, PasswordHasher, RaStore } from '../ports.js';

/** What the console's use cases need; only main.ts (and the test harness) builds it. */
export interface ConsoleDeps {
  store: RaStore;
  hasher: PasswordHasher;
  /** Seals the TOTP seeds at rest. */
  box: SecretBox;
  clock: Clock;
  event: EventFactory;
  /** Requests to activation and accounts. */
  rpc: RpcClient;
  lockout: LockoutPolicy;
  sessions: SessionPolicy;
  /** Shown by the authenticator app next to the code (`otpauth://totp/<issuer>:<e-mail>`). */
  totpIssuer: string;
  log: Logger;
}

/** The aggregate every officer event is about. */
export const officerAggregate = (officerId: string) => ({ type: 'officer', id: officerId });
/** The actor of everything an officer does in the console. */
export const officerActor = (officerId: string) => ({ kind: 'admin' as const, id: officerId });
