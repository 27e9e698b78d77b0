import type { Publisher, RpcClient } from '@idp/events';
import type { Logger } from '@idp/observability';
import type { SpRegistry } from '@idp/saml';
import type { SigningIdentity } from '../saml/keys.js';
import type { SamlRequestInput, VerifiedAuthnRequest } from '../saml/verify/types.js';
import type { SessionStore } from '../session/store.js';

/** Everything the login flow needs; main.ts builds it, tests build it with their own parts. */
export interface FlowDeps {
  store: SessionStore;
  rpc: RpcClient;
  publisher: Publisher;
  registry: SpRegistry;
  signing: SigningIdentity;
  idpEntityId: string;
  /** Keys the pairwise persistent NameIDs; changing it changes every citizen's NameID at every SP. */
  pairwiseSecret: string;
  verifyAuthnRequest(input: SamlRequestInput): Promise<VerifiedAuthnRequest>;
  now(): Date;
  log: Logger;
  /** Secure cookies (always in production; a browser treats http://localhost as secure too). */
  secureCookies: boolean;
  /** Shown in the SMS as the e-service's name when the SP policy has none. */
  serviceName(spEntityId: string, lang: 'sl' | 'en'): string;
}
