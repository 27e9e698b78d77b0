import { randomUUID } from 'node:crypto';
import {
  DomainError,
  accountsRpc,
  buildEnvelope,
  type ActivationRequestView,
  type Catalog,
  type CorrectionView,
  type MessageDef,
  type MessageContext,
  type MessageInput,
  type RpcClient,
  type RpcResponse,
} from '@idp/events';
import type { z } from '@idp/config';
import type { Logger } from '@idp/observability';
import {
  checkClientCertificate,
  type CertificateCheck,
  type TrustAnchors,
} from '../adapters/certificates/check.js';
import type { LetterWriter } from '../adapters/letters/pdf-letter.js';
import { isCorrectionOpen, type CorrectionDecision, type CorrectionRequest } from '../domain/correction.js';
import { isOpen, type ActivationPolicy, type ActivationRequest, type Decision } from '../domain/request.js';
import {
  RequestNumberTaken,
  type ActivationMailer,
  type Clock,
  type EventFactory,
  type MailLanguage,
  type RequestStore,
  type RequestTransaction,
} from '../ports.js';

/** What the handlers, consumers and the sweep need. Only main.ts (and the test harness) build it. */
export interface Deps {
  store: RequestStore;
  clock: Clock;
  event: EventFactory;
  /** Calls to accounts and otp-sender (with a deadline each). */
  rpc: RpcClient;
  mailer: ActivationMailer;
  letters: LetterWriter;
  /** Read on every certificate presentation, so a new CRL file applies without a restart. */
  trust: () => Promise<TrustAnchors>;
  policy: ActivationPolicy;
  /** HMAC key of the activation codes. */
  codeKey: Buffer;
  generateCode: () => string;
  /** `A-…` for an activation request, `C-…` for an identity correction. */
  generateRequestNumber: (prefix: 'A' | 'C') => string;
  /** Named in the SMS (`<serviceName>: code …`). */
  smsServiceName: string;
  mailLanguage: MailLanguage;
  log: Logger;
}

/** Envelopes stamped with this process as producer and the service clock as `occurredAt`. */
export function eventFactory(o: { producer: string; catalog: Catalog; clock: Clock }): EventFactory {
  return <E extends MessageDef>(def: E, input: MessageInput<E>, ctx: MessageContext) =>
    buildEnvelope(def, input, ctx, { producer: o.producer, catalog: o.catalog, now: () => o.clock.now() });
}

/**
 * Every event of a request carries the request id as correlation id, so the whole journey (RPCs,
 * officer decisions, the sweep) reads as one in the audit stream; the message that caused it is
 * the causation id (an RPC's own correlation id, or the consumed event's id).
 */
export const requestContext = (requestId: string, cause?: string): MessageContext => ({
  correlationId: requestId,
  ...(cause ? { causationId: cause } : {}),
});

export type Actor = { kind: 'user' | 'service' | 'admin'; id?: string };

export const notFound = () =>
  new DomainError('not_found', 'activation.request_not_found', { message: 'no such request' });

export type AccountAttributes = RpcResponse<typeof accountsRpc.getAttributes>;

export const getAttributes = (d: Deps, accountId: string, ctx: MessageContext): Promise<AccountAttributes> =>
  d.rpc.call(accountsRpc.getAttributes, { accountId }, ctx);

/**
 * The kinds of request this service runs a state machine for (smsPASS activations, identity
 * corrections): where a request's row is locked and saved, and what else its end may need.
 */
export interface RequestKind<R extends { id: string; accountId: string }> {
  /** The events' aggregate type. */
  aggregate: string;
  /** The first letter of its request numbers (`A-…`, `C-…`). */
  numberPrefix: 'A' | 'C';
  insert(tx: RequestTransaction, request: R): Promise<void>;
  lock(tx: RequestTransaction, id: string): Promise<R | undefined>;
  save(tx: RequestTransaction, request: R): Promise<void>;
  /** After a decision that expired an open request, in its transaction. */
  expired?(d: Deps, tx: RequestTransaction, request: R, ctx: MessageContext): Promise<void>;
  isOpen(request: R): boolean;
}

export const ACTIVATION_REQUESTS: RequestKind<ActivationRequest> = {
  aggregate: 'activation_request',
  numberPrefix: 'A',
  insert: (tx, r) => tx.insert(r),
  lock: (tx, id) => tx.lock(id),
  save: (tx, r) => tx.save(r),
  expired: (d, tx, r, ctx) => notifyExpiry(d, tx, r, ctx),
  isOpen: (r) => isOpen(r.state),
};

export const CORRECTIONS: RequestKind<CorrectionRequest> = {
  aggregate: 'correction_request',
  numberPrefix: 'C',
  insert: (tx, r) => tx.insertCorrection(r),
  lock: (tx, id) => tx.lockCorrection(id),
  save: (tx, r) => tx.saveCorrection(r),
  isOpen: (r) => isCorrectionOpen(r.state),
};

export type CommandTarget = { requestId: string; accountId?: string; actor: Actor; cause?: string };

/**
 * Runs one command on one request of `kind` in one transaction: locks the row (concurrent commands
 * on a request queue behind each other), decides, saves, and stores the events in the outbox. A
 * request another account owns is "not found", so ids cannot be probed. When the decision expires
 * the request, what its kind does then (the citizen's notice) happens in the same transaction. A
 * refusal is thrown after commit, so what the refused command changed (a counted wrong code) stays.
 */
export async function runRequestCommand<R extends { id: string; accountId: string; state: string }>(
  d: Deps,
  kind: RequestKind<R>,
  o: CommandTarget,
  decide: (r: R, tx: RequestTransaction) => Promise<Decision<R> | undefined> | Decision<R> | undefined,
): Promise<R> {
  const ctx = requestContext(o.requestId, o.cause);
  const outcome = await d.store.transaction(async (tx) => {
    const before = await kind.lock(tx, o.requestId);
    if (!before || (o.accountId !== undefined && before.accountId !== o.accountId)) throw notFound();
    const decision = await decide(before, tx);
    if (!decision) return { request: before, refusal: undefined };
    if (decision.request !== before) await kind.save(tx, decision.request);
    await tx.enqueue(
      decision.events.map((e) =>
        d.event(
          e.def,
          { aggregate: { type: kind.aggregate, id: before.id }, actor: o.actor, data: e.data },
          ctx,
        ),
      ),
    );
    if (kind.isOpen(before) && decision.request.state === 'expired')
      await kind.expired?.(d, tx, decision.request, ctx);
    return decision;
  });
  if (outcome.refusal) throw outcome.refusal;
  return outcome.request;
}

/**
 * Stores a new request of `kind` and the events of its opening in one transaction. The number is
 * drawn at random; in the rare case another request has it, another is drawn (twice at most).
 */
export async function openRequestOf<R extends { id: string; accountId: string }>(
  d: Deps,
  kind: RequestKind<R>,
  o: { actor: Actor; cause: string },
  open: (id: string, number: string) => Decision<R>,
): Promise<R> {
  for (let attempt = 1; ; attempt++) {
    const id = randomUUID();
    const decision = open(id, d.generateRequestNumber(kind.numberPrefix));
    const ctx = requestContext(id, o.cause);
    try {
      await d.store.transaction(async (tx) => {
        await kind.insert(tx, decision.request);
        await tx.enqueue(
          decision.events.map((e) =>
            d.event(e.def, { aggregate: { type: kind.aggregate, id }, actor: o.actor, data: e.data }, ctx),
          ),
        );
      });
      return decision.request;
    } catch (err) {
      if (!(err instanceof RequestNumberTaken) || attempt >= 3) throw err;
    }
  }
}

/** {@link runRequestCommand} on an smsPASS activation request. */
export const runCommand = (
  d: Deps,
  o: CommandTarget,
  decide: (
    r: ActivationRequest,
    tx: RequestTransaction,
  ) => Promise<Decision | undefined> | Decision | undefined,
): Promise<ActivationRequest> => runRequestCommand(d, ACTIVATION_REQUESTS, o, decide);

/** {@link runRequestCommand} on an identity correction. */
export const runCorrectionCommand = (
  d: Deps,
  o: CommandTarget,
  decide: (
    r: CorrectionRequest,
    tx: RequestTransaction,
  ) => Promise<CorrectionDecision | undefined> | CorrectionDecision | undefined,
): Promise<CorrectionRequest> => runRequestCommand(d, CORRECTIONS, o, decide);

async function notifyExpiry(
  d: Deps,
  tx: RequestTransaction,
  r: ActivationRequest,
  ctx: MessageContext,
): Promise<void> {
  const attrs = await getAttributes(d, r.accountId, ctx);
  if (!attrs.attributes.email) {
    d.log.warn({ requestId: r.id }, 'request expired; the account has no e-mail address to tell');
    return;
  }
  await tx.enqueue([
    d.mailer.expiryNotice(
      {
        accountId: r.accountId,
        requestId: r.id,
        email: attrs.attributes.email,
        requestNumber: r.number,
        lang: d.mailLanguage,
      },
      ctx,
    ),
  ]);
}

/**
 * Checks a presented client certificate against the trust anchors as they are on disk now (a new
 * CRL applies without a restart) and the account's tax number: activation path B and corrections alike.
 */
export async function checkPresented(
  d: Deps,
  presented: { certificatePem: string; chainPem: readonly string[] },
  taxNumber: string,
  now: Date,
  log: Logger,
): Promise<CertificateCheck> {
  const trust = await d.trust();
  if (trust.problems.length > 0) log.warn({ problems: trust.problems }, 'trust anchors incomplete');
  return checkClientCertificate(
    { certificatePem: presented.certificatePem, chainPem: presented.chainPem },
    trust,
    now,
    taxNumber,
  );
}

export type RequestView = z.infer<typeof ActivationRequestView>;

/** What the citizen (and the officer console) sees: never the code, its hash or the phone. */
export function view(r: ActivationRequest, policy: ActivationPolicy): RequestView {
  const hasCode = r.state === 'code_sent' || r.state === 'phone_pending';
  return {
    requestId: r.id,
    requestNumber: r.number,
    accountId: r.accountId,
    path: r.path,
    state: r.state,
    createdAt: r.createdAt.toISOString(),
    ...(r.expiresAt ? { expiresAt: r.expiresAt.toISOString() } : {}),
    ...(r.codeChannel ? { codeChannel: r.codeChannel } : {}),
    ...(hasCode ? { codeAttemptsLeft: Math.max(0, policy.maxCodeAttempts - r.codeAttempts) } : {}),
    ...(r.state === 'phone_pending' && r.phoneChallengeId ? { phoneChallengeId: r.phoneChallengeId } : {}),
    ...(r.rejectionReason ? { rejectionReason: r.rejectionReason } : {}),
  };
}

/** A correction as the citizen and the officer console see it; the proposed values only while submitted. */
export function correctionView(c: CorrectionRequest): z.infer<typeof CorrectionView> {
  return {
    requestId: c.id,
    requestNumber: c.number,
    accountId: c.accountId,
    path: c.path,
    state: c.state,
    createdAt: c.createdAt.toISOString(),
    ...(c.expiresAt ? { expiresAt: c.expiresAt.toISOString() } : {}),
    fields: c.fields,
    ...(c.proposed ? { proposed: c.proposed } : {}),
    ...(c.rejectionReason ? { rejectionReason: c.rejectionReason } : {}),
  };
}
