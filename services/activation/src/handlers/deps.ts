import {
  DomainError,
  accountsRpc,
  buildEnvelope,
  type ActivationRequestView,
  type Catalog,
  type MessageDef,
  type MessageContext,
  type MessageInput,
  type RpcClient,
  type RpcResponse,
} from '@idp/events';
import type { z } from '@idp/config';
import type { Logger } from '@idp/observability';
import type { TrustAnchors } from '../adapters/certificates/check.js';
import type { LetterWriter } from '../adapters/letters/pdf-letter.js';
import { isOpen, type ActivationPolicy, type ActivationRequest, type Decision } from '../domain/request.js';
import type {
  ActivationMailer,
  Clock,
  EventFactory,
  MailLanguage,
  RequestStore,
  RequestTransaction,
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
  generateRequestNumber: () => string;
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
 * Runs one command on one request in one transaction: locks the row (concurrent commands on a
 * request queue behind each other), decides, saves, and stores the events in the outbox. A request
 * another account owns is "not found", so ids cannot be probed. When the decision expires the
 * request, the citizen's notice is sent from the same transaction. A refusal is thrown after
 * commit, so what the refused command changed (a counted wrong code) stays.
 */
export async function runCommand(
  d: Deps,
  o: { requestId: string; accountId?: string; actor: Actor; cause?: string },
  decide: (
    r: ActivationRequest,
    tx: RequestTransaction,
  ) => Promise<Decision | undefined> | Decision | undefined,
): Promise<ActivationRequest> {
  const ctx = requestContext(o.requestId, o.cause);
  const outcome = await d.store.transaction(async (tx) => {
    const before = await tx.lock(o.requestId);
    if (!before || (o.accountId !== undefined && before.accountId !== o.accountId)) throw notFound();
    const decision = await decide(before, tx);
    if (!decision) return { request: before, refusal: undefined };
    if (decision.request !== before) await tx.save(decision.request);
    await tx.enqueue(
      decision.events.map((e) =>
        d.event(
          e.def,
          { aggregate: { type: 'activation_request', id: before.id }, actor: o.actor, data: e.data },
          ctx,
        ),
      ),
    );
    if (isOpen(before.state) && decision.request.state === 'expired')
      await notifyExpiry(d, tx, decision.request, ctx);
    return decision;
  });
  if (outcome.refusal) throw outcome.refusal;
  return outcome.request;
}

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
