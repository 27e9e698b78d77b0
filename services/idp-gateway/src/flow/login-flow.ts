import {
  accountsRpc,
  otpRpc,
  SamlAssertionIssuedV1,
  SamlAuthnFailedV1,
  SamlAuthnRequestReceivedV1,
  SamlSessionStartedV1,
  type RpcResponse,
} from '@idp/events';
import type { AttributeKey, Loa, RegisteredSp } from '@idp/saml';
import {
  buildFailureResponse,
  buildSuccessResponse,
  newSamlId,
  pairwiseNameId,
  type SecondLevelStatus,
} from '../saml/response/build-response.js';
import type { VerifiedAuthnRequest } from '../saml/verify/types.js';
import { newToken, type LoginTransaction, type SsoSession } from '../session/store.js';
import type { Lang } from '../web/i18n.js';
import type { FlowDeps } from './deps.js';
import { acceptableLevels, reachableLevel } from './loa.js';

/** What the HTTP layer does next: show a page, or post a SAML message to the SP. */
export type FlowOutcome =
  | { kind: 'login_page'; tx: LoginTransaction }
  | { kind: 'post_to_sp'; acsUrl: string; samlResponse: string; relayState?: string; session?: SsoSession }
  /** A login at the gateway itself ended: back to the local page, with the session when it succeeded. */
  | { kind: 'local'; returnTo: string; session?: SsoSession };

/** What the SMS names as the service for a login to the user pages (no SP involved). */
export const LOCAL_SERVICE_NAME = 'SI-PASS';

export class LoginFlow {
  constructor(private readonly d: FlowDeps) {}

  /**
   * A verified AuthnRequest arrived. Answer from the SSO session when it suffices, refuse what
   * cannot succeed (passive without session, unreachable level) with a SAML status, else start a
   * login transaction.
   */
  async start(
    req: VerifiedAuthnRequest,
    session: SsoSession | undefined,
    lang: Lang,
    requestDigest?: string,
  ): Promise<FlowOutcome> {
    // The login transaction's id, chosen now: every event of this login, from the request's arrival
    // to the assertion, carries it as correlation id (for SSO reuse it names this one exchange).
    const correlationId = newToken();
    const sp = this.registered(req.sp.entityId);
    const levels = acceptableLevels(sp.policy, req.requestedAuthnContext);
    await this.d.publisher.publish(
      SamlAuthnRequestReceivedV1,
      {
        aggregate: { type: 'login_transaction', id: correlationId },
        actor: { kind: 'anonymous' },
        data: {
          spEntityId: sp.entityId,
          requestId: req.id,
          binding: req.binding,
          forceAuthn: req.forceAuthn,
          isPassive: req.isPassive,
        },
      },
      { correlationId },
    );
    const fail = (status: SecondLevelStatus, reason: string) =>
      this.fail(sp, req.id, req.acsUrl, req.relayState, status, reason, correlationId);
    if (levels.length === 0 || (req.requestedAuthnContext?.declRefs?.length ?? 0) > 0)
      return fail('NoAuthnContext', 'level_not_reachable');
    const nameIdFormat = req.nameIdPolicy.format === 'transient' ? 'transient' : 'persistent';
    if (session && !req.forceAuthn && levels.includes(session.loa)) {
      return this.issue(
        sp,
        { requestId: req.id, acsUrl: req.acsUrl, relayState: req.relayState, nameIdFormat },
        session,
        true,
        correlationId,
      );
    }
    if (req.isPassive) return fail('NoPassive', session ? 'session_level_insufficient' : 'no_session');
    const tx = await this.d.store.createTransaction(
      {
        spEntityId: sp.entityId,
        requestId: req.id,
        acsUrl: req.acsUrl,
        ...(req.relayState !== undefined ? { relayState: req.relayState } : {}),
        forceAuthn: req.forceAuthn,
        isPassive: false,
        nameIdFormat,
        requiredLoa: levels[0]!,
        acceptableLoas: levels,
        lang,
        ...(requestDigest !== undefined ? { requestDigest } : {}),
      },
      this.d.now(),
      correlationId,
    );
    return { kind: 'login_page', tx };
  }

  /**
   * A login for the user pages: the same transaction, password and SMS steps as an SP's login, but
   * it ends by storing the session and returning to `returnTo` instead of posting an assertion.
   * The level is decided by the account at the password step: SMS code when smsPASS is active.
   */
  startLocal(returnTo: string, lang: Lang, upgradesSession?: string): Promise<LoginTransaction> {
    return this.d.store.createTransaction(
      {
        spEntityId: '',
        requestId: '',
        acsUrl: '',
        forceAuthn: true,
        isPassive: false,
        nameIdFormat: 'persistent',
        requiredLoa: 'low',
        lang,
        returnTo,
        ...(upgradesSession ? { upgradesSession } : {}),
      },
      this.d.now(),
    );
  }

  /** Password step. Returns the transaction in its next state, or the final outcome. */
  async password(
    tx: LoginTransaction,
    email: string,
    password: string,
    clientAddress: string,
  ): Promise<
    FlowOutcome | { kind: 'otp'; tx: LoginTransaction; challenge: RpcResponse<typeof otpRpc.issue> }
  > {
    const ctx = { correlationId: tx.id };
    const verified = await this.d.rpc.call(
      accountsRpc.verifyPassword,
      { email, password, clientAddress },
      ctx,
    );
    const sp = tx.returnTo === undefined ? this.registered(tx.spEntityId) : undefined;
    const level = sp
      ? reachableLevel(tx.acceptableLoas ?? [tx.requiredLoa], verified.smsPass === 'active')
      : undefined;
    if (!sp) {
      if (verified.smsPass !== 'active') return this.finish(tx, verified.accountId, 'low', ['password']);
    } else if (level === 'low') {
      return this.finish(tx, verified.accountId, 'low', ['password']);
    } else if (level === undefined) {
      return this.fail(
        sp,
        tx.requestId,
        tx.acsUrl,
        tx.relayState,
        'NoAuthnContext',
        'smspass_not_active',
        tx.id,
        tx,
      );
    }
    const challenge = await this.d.rpc.call(
      otpRpc.issue,
      {
        accountId: verified.accountId,
        serviceName: sp ? this.d.serviceName(sp.entityId, tx.lang) : LOCAL_SERVICE_NAME,
        purpose: 'login',
        // Sealed by accounts for otp-sender; passed on unread, and it saves otp-sender asking for it.
        ...(verified.otpDestination ? { destination: verified.otpDestination } : {}),
      },
      ctx,
    );
    const next: LoginTransaction = {
      ...tx,
      step: 'otp',
      accountId: verified.accountId,
      challengeId: challenge.challengeId,
    };
    await this.d.store.saveTransaction(next);
    return { kind: 'otp', tx: next, challenge };
  }

  /** SMS code step: on success the SSO session starts and the SP gets its assertion. */
  async code(tx: LoginTransaction, code: string): Promise<FlowOutcome> {
    if (tx.step !== 'otp' || !tx.challengeId || !tx.accountId)
      throw new Error('transaction is not at the code step');
    await this.d.rpc.call(otpRpc.verify, { challengeId: tx.challengeId, code }, { correlationId: tx.id });
    return this.finish(tx, tx.accountId, 'substantial', ['password', 'sms_otp']);
  }

  /** The citizen cancelled, or the login cannot go on: the SP learns it with a SAML status. */
  cancel(
    tx: LoginTransaction,
    status: SecondLevelStatus = 'AuthnFailed',
    reason = 'cancelled',
  ): Promise<FlowOutcome> {
    if (tx.returnTo !== undefined) {
      return this.d.store.deleteTransaction(tx.id).then(() => ({ kind: 'local', returnTo: '/' }));
    }
    return this.fail(
      this.registered(tx.spEntityId),
      tx.requestId,
      tx.acsUrl,
      tx.relayState,
      status,
      reason,
      tx.id,
      tx,
    );
  }

  private async finish(
    tx: LoginTransaction,
    accountId: string,
    loa: Loa,
    methods: SsoSession['methods'],
  ): Promise<FlowOutcome> {
    const now = this.d.now();
    if (tx.returnTo !== undefined) return this.finishLocal(tx, tx.returnTo, accountId, loa, methods, now);
    // Stored once, with the assertion's participant, in the round trip that ends the transaction.
    const session = this.d.store.newSession(
      { accountId, loa, methods, authnInstant: now.toISOString() },
      now,
    );
    const sp = this.registered(tx.spEntityId);
    return this.issue(sp, tx, session, false, tx.id, tx.id);
  }

  private async finishLocal(
    tx: LoginTransaction,
    returnTo: string,
    accountId: string,
    loa: Loa,
    methods: SsoSession['methods'],
    now: Date,
  ): Promise<FlowOutcome> {
    const previous = tx.upgradesSession ? await this.d.store.getSession(tx.upgradesSession, now) : undefined;
    // A step-up keeps the session (and its SPs, for single logout); anyone else gets a new one.
    const session: SsoSession =
      previous && previous.accountId === accountId
        ? { ...previous, loa, methods, authnInstant: now.toISOString() }
        : this.d.store.newSession({ accountId, loa, methods, authnInstant: now.toISOString() }, now);
    await this.d.store.putSession(session, now, tx.id);
    await this.publishSessionStarted(session, tx.id);
    return { kind: 'local', returnTo, session };
  }

  private publishSessionStarted(session: SsoSession, correlationId: string) {
    return this.d.publisher.publish(
      SamlSessionStartedV1,
      {
        aggregate: { type: 'account', id: session.accountId },
        actor: { kind: 'user', id: session.accountId },
        data: {
          sessionId: session.id,
          accountId: session.accountId,
          level: session.loa,
          methods: session.methods,
        },
      },
      { correlationId },
    );
  }

  private async issue(
    sp: RegisteredSp,
    r: {
      requestId: string;
      acsUrl: string;
      relayState?: string | undefined;
      nameIdFormat: 'persistent' | 'transient';
    },
    session: SsoSession,
    reused: boolean,
    correlationId: string,
    /** A new login: the session is stored for the first time and this transaction ends with it. */
    endsTransaction?: string,
  ): Promise<FlowOutcome> {
    const now = this.d.now();
    const { attributes } = await this.d.rpc.call(
      accountsRpc.getAttributes,
      { accountId: session.accountId },
      { correlationId },
    );
    const released: Partial<Record<AttributeKey, string>> = {};
    for (const key of sp.policy.attributes) {
      const value = attributeValue(attributes, key);
      if (value !== undefined) released[key] = value;
    }
    const nameId =
      r.nameIdFormat === 'transient'
        ? newSamlId()
        : pairwiseNameId(this.d.pairwiseSecret, session.accountId, sp.entityId);
    const sessionIndex = newSamlId();
    const xml = buildSuccessResponse({
      idpEntityId: this.d.idpEntityId,
      signing: this.d.signing,
      spEntityId: sp.entityId,
      acsUrl: r.acsUrl,
      inResponseTo: r.requestId,
      signResponse: sp.policy.signResponse,
      now,
      nameId: { value: nameId, format: r.nameIdFormat },
      authn: {
        instant: new Date(session.authnInstant),
        sessionIndex,
        loa: session.loa,
        sessionNotOnOrAfter: new Date(session.expiresAt),
      },
      attributes: released,
    });
    const slo = sp.singleLogoutServices.find((s) => s.binding === 'redirect') ?? sp.singleLogoutServices[0];
    session.participants = [
      ...session.participants.filter((p) => p.spEntityId !== sp.entityId),
      {
        spEntityId: sp.entityId,
        nameId,
        nameIdFormat: r.nameIdFormat,
        sessionIndex,
        ...(slo ? { sloUrl: slo.url } : {}),
      },
    ];
    await this.d.store.putSession(session, now, endsTransaction);
    // Both published in one write and awaited together: the stream keeps the order of the calls.
    const started =
      endsTransaction !== undefined ? this.publishSessionStarted(session, correlationId) : undefined;
    const issued = this.d.publisher.publish(
      SamlAssertionIssuedV1,
      {
        aggregate: { type: 'account', id: session.accountId },
        actor: { kind: 'user', id: session.accountId },
        data: {
          spEntityId: sp.entityId,
          inResponseTo: r.requestId,
          level: session.loa,
          nameIdFormat: r.nameIdFormat,
          sessionReused: reused,
          releasedAttributes: Object.keys(released),
        },
      },
      { correlationId },
    );
    await Promise.all([started, issued]);
    return {
      kind: 'post_to_sp',
      acsUrl: r.acsUrl,
      samlResponse: Buffer.from(xml).toString('base64'),
      ...(r.relayState !== undefined ? { relayState: r.relayState } : {}),
      session,
    };
  }

  private async fail(
    sp: RegisteredSp,
    requestId: string,
    acsUrl: string,
    relayState: string | undefined,
    status: SecondLevelStatus,
    reason: string,
    correlationId: string,
    tx?: LoginTransaction,
  ): Promise<FlowOutcome> {
    if (tx) await this.d.store.deleteTransaction(tx.id);
    await this.d.publisher.publish(
      SamlAuthnFailedV1,
      {
        aggregate: { type: 'login_transaction', id: correlationId },
        actor: { kind: 'anonymous' },
        data: {
          spEntityId: sp.entityId,
          inResponseTo: requestId,
          status: status === 'UnknownPrincipal' ? 'AuthnFailed' : status,
          reason,
        },
      },
      { correlationId },
    );
    const xml = buildFailureResponse({
      idpEntityId: this.d.idpEntityId,
      signing: this.d.signing,
      spEntityId: sp.entityId,
      acsUrl,
      inResponseTo: requestId,
      signResponse: true,
      now: this.d.now(),
      topLevel: 'Responder',
      secondLevel: status,
    });
    return {
      kind: 'post_to_sp',
      acsUrl,
      samlResponse: Buffer.from(xml).toString('base64'),
      ...(relayState !== undefined ? { relayState } : {}),
    };
  }

  private registered(entityId: string): RegisteredSp {
    const sp = this.d.registry.lookup(entityId);
    // The SP was removed from the registry mid-login: nothing may be posted to it any more.
    if (!sp) throw new Error(`SP ${entityId} is no longer registered`);
    return sp;
  }
}

function attributeValue(a: Record<string, string | undefined>, key: AttributeKey): string | undefined {
  const map: Record<AttributeKey, string> = {
    given_name: 'givenName',
    family_name: 'familyName',
    tax_number: 'taxNumber',
    birth_date: 'birthDate',
    email: 'email',
    emso: 'emso',
    address: 'address',
  };
  return a[map[key]];
}
