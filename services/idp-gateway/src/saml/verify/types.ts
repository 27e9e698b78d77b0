/** The SAML bindings a request can arrive on at our SSO and SLO endpoints. */
export type SamlBinding = 'redirect' | 'post';

/** What the SP registry knows about an SP: only its registered metadata and policy are trusted. */
export interface RegisteredSp {
  entityId: string;
  /** PEM or base64 DER, from KeyDescriptor use="signing" (or no use). The only keys a request is checked with. */
  signingCertificates: string[];
  /** SPSSODescriptor@AuthnRequestsSigned. */
  authnRequestsSigned: boolean;
  assertionConsumerServices: {
    index: number;
    url: string;
    binding: 'post' | 'redirect' | string;
    isDefault: boolean;
  }[];
  singleLogoutServices: { url: string; binding: 'post' | 'redirect' | string; responseUrl?: string }[];
  nameIdFormats: string[];
  /** Other policy fields belong to the login flow and are ignored here. */
  policy: { relayStateMaxBytes: number };
}

/** Everything the verifier needs from the gateway; no I/O happens except through `seenRequestId`. */
export interface VerifyContext {
  lookupSp(entityId: string): RegisteredSp | undefined;
  /** Our endpoints. `Destination` must equal the URL of the binding the request came on. */
  idpSsoUrls: { redirect: string; post: string };
  idpSloUrls: { redirect: string; post: string };
  /** IdP-wide switch: every request must be signed, whatever the SP metadata says. */
  requireSignedRequests: boolean;
  /** Allowed difference between IssueInstant and our clock, both ways (default 180000). */
  clockSkewMs: number;
  now(): Date;
  /**
   * Replay cache (Redis in production): true if `id` was already seen for this SP, otherwise records
   * it atomically (SET NX PX) for `ttlMs` and returns false.
   */
  seenRequestId(spEntityId: string, id: string, ttlMs: number): Promise<boolean>;
}

/**
 * A request as the HTTP route received it. Redirect: the raw query string (no leading `?`), exactly
 * as it came off the wire, because the signature covers those octets. POST: the form fields.
 */
export type SamlRequestInput =
  { binding: 'redirect'; rawQuery: string } | { binding: 'post'; samlRequest: string; relayState?: string };

export type NameIdFormatName = 'persistent' | 'transient' | 'unspecified';
export type AuthnContextComparison = 'exact' | 'minimum' | 'better' | 'maximum';

/** An AuthnRequest that passed every check; every field was read from the verified element. */
export interface VerifiedAuthnRequest {
  sp: RegisteredSp;
  binding: SamlBinding;
  id: string;
  issueInstant: Date;
  destination?: string;
  /** From registered metadata only, never from the request. */
  acsUrl: string;
  /** The Response always goes by HTTP-POST (Web SSO profile); other ACS bindings are never chosen. */
  acsBinding: 'post';
  relayState?: string;
  forceAuthn: boolean;
  isPassive: boolean;
  nameIdPolicy: { format?: NameIdFormatName; allowCreate?: boolean };
  /**
   * `declRefs` are passed through so the login flow can answer NoAuthnContext: we support no
   * AuthnContextDeclRef, and dropping them silently would weaken what the SP asked for.
   */
  requestedAuthnContext?: { comparison: AuthnContextComparison; classRefs: string[]; declRefs?: string[] };
  /** AuthnRequest/Subject/NameID: when present, the authenticated principal must be this one. */
  subjectNameId?: string;
  signed: boolean;
}

/** A LogoutRequest that passed every check. */
export interface VerifiedLogoutRequest {
  sp: RegisteredSp;
  binding: SamlBinding;
  id: string;
  issueInstant: Date;
  /** Always present: a LogoutRequest must name our SLO endpoint. */
  destination: string;
  nameId: string;
  nameIdFormat?: string;
  sessionIndexes: string[];
  notOnOrAfter?: Date;
  relayState?: string;
  signed: boolean;
}
