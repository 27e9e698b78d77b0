// Shared by the hostile-request suite: fixture templates and the verifier under test.
import { readFileSync } from 'node:fs';
import * as f from '../../services/idp-gateway/src/saml/verify/__fixtures__/saml-requests.js';

export * from '../../services/idp-gateway/src/saml/verify/__fixtures__/saml-requests.js';
export { verifyAuthnRequest, verifyLogoutRequest } from '../../services/idp-gateway/src/saml/verify/index.js';

const FIXTURES = new URL('../fixtures/saml/', import.meta.url);

/**
 * A fixture from test/fixtures/saml/{valid,invalid}/ with its {{PLACEHOLDERS}} filled: a fresh ID,
 * IssueInstant = the test clock, our SSO POST endpoint as Destination, the test SP as Issuer.
 */
export function fixture(path: string, vars: Record<string, string> = {}): string {
  const values: Record<string, string> = {
    ID: f.newId(),
    ISSUE_INSTANT: f.T0.toISOString(),
    DESTINATION: f.IDP_SSO.post,
    ISSUER: f.SP_ENTITY_ID,
    ACS_URL: f.ACS_URL,
    NAME_ID: 'pairwise-0123456789abcdef',
    ...vars,
  };
  return readFileSync(new URL(path, FIXTURES), 'utf8')
    .trim()
    .replace(/\{\{(\w+)\}\}/g, (_, name: string) => {
      const value = values[name];
      if (value === undefined) throw new Error(`fixture ${path} needs {{${name}}}`);
      return value;
    });
}

/** The XML without its declaration, to embed in another document. */
export const withoutDeclaration = (xml: string): string => xml.replace(/^<\?xml[^>]*\?>\s*/, '');

/** The SP and keys every hostile-request test starts from. */
export interface World {
  /** The SP's registered signing key. */
  key: f.TestKeyPair;
  /** A key the attacker controls (and may put into KeyInfo). */
  attacker: f.TestKeyPair;
  /** Registered with `key`; AuthnRequestsSigned="true". */
  sp: f.RegisteredSp;
  /** A fresh in-memory context (fixed clock, empty replay cache) that knows `sp` (and `extra`). */
  ctx(
    o?: Partial<f.VerifyContext>,
    extra?: f.RegisteredSp[],
  ): f.VerifyContext & { seen: Map<string, number> };
}

export async function world(): Promise<World> {
  const [key, attacker] = await Promise.all([f.testKeyPair(), f.testKeyPair({ cn: 'attacker' })]);
  const sp = f.registeredSp({ keys: [key] });
  return { key, attacker, sp, ctx: (o = {}, extra = []) => f.memoryContext([sp, ...extra], o) };
}

export const post = (xml: string, relayState?: string) => ({
  binding: 'post' as const,
  samlRequest: f.postEncode(xml),
  ...(relayState === undefined ? {} : { relayState }),
});
export const redirect = (rawQuery: string) => ({ binding: 'redirect' as const, rawQuery });
