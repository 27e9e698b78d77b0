import { accountsRpc, type RpcClient } from '@idp/events';

/** The terms of use version registrations must accept, as accounts (its only owner) says. */
export interface TermsSource {
  current(correlationId: string): Promise<string>;
  /** Drops the cached version, after accounts answered `accounts.terms_outdated`. */
  forget(): void;
}

/**
 * Asks `idp.rpc.accounts.get_terms.v1` at most once per `ttlMs` (concurrent page views share one
 * call). A version changed in accounts shows on the pages within `ttlMs`; a registration sent
 * with the old one in between is refused by accounts, and `forget` makes the next page current.
 */
export function termsFromAccounts(rpc: RpcClient, o: { ttlMs: number; now?: () => number }): TermsSource {
  const now = o.now ?? Date.now;
  let cached: { version: string; until: number } | undefined;
  let inFlight: Promise<string> | undefined;
  return {
    async current(correlationId) {
      if (cached && now() < cached.until) return cached.version;
      inFlight ??= rpc
        .call(accountsRpc.getTerms, {}, { correlationId })
        .then(({ version }) => {
          cached = { version, until: now() + o.ttlMs };
          return version;
        })
        .finally(() => {
          inFlight = undefined;
        });
      return inFlight;
    },
    forget() {
      cached = undefined;
    },
  };
}
