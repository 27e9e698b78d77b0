import {
  ActivationBlockedV1,
  ActivationCancelledV1,
  ActivationExpiredV1,
  ActivationRejectedV1,
  ActivationRequestedV1,
  EVENTS_STREAM,
  RaSmsPassReinstatedV1,
  RaSmsPassSuspendedV1,
  consume,
  isDomainError,
  on,
  type Catalog,
  type DeliveryContext,
  type Envelope,
  type EventDef,
  type JetStreamClient,
  type JetStreamManager,
  type MessageHandler,
  type Publisher,
  type RunningConsumer,
} from '@idp/events';
import type { Logger, Registry } from '@idp/observability';
import type { AccountCommand, AccountLifecycle } from '../domain/account-state.js';
import type { Deps } from '../ports.js';
import { applyTransition, type Actor } from './lifecycle.js';

/** Durable consumer names; also the keys of their records in `processed_messages`. */
export const ACTIVATION_CONSUMER = 'accounts-activation';
export const RA_CONSUMER = 'accounts-ra';

type Lifecycle = Pick<Deps, 'store' | 'clock' | 'event'>;

/**
 * Applies the command an event asks for, once: the event id is recorded in the transaction of the
 * change (processOnce), so a redelivery changes nothing. When the account's state no longer allows
 * it (`applies` says no, or the state machine refuses) the event is recorded and dropped, not retried.
 */
async function applyOnce(
  d: Lifecycle,
  consumer: string,
  env: Envelope<{ accountId: string }>,
  dctx: DeliveryContext,
  o: { command: AccountCommand; actor: Actor; applies: (l: AccountLifecycle) => boolean },
): Promise<void> {
  const outcome = await d.store.transaction(async (tx) => {
    if (!(await tx.processOnce(consumer, env.id))) return 'duplicate';
    const account = await tx.lockAccount(env.data.accountId);
    if (!account) return 'unknown account';
    if (!o.applies(account.lifecycle)) return `not applicable in ${account.lifecycle.state}`;
    try {
      await applyTransition(
        d,
        tx,
        account,
        o.command,
        { correlationId: env.correlationId, causationId: env.id },
        o.actor,
      );
    } catch (err) {
      if (isDomainError(err) && err.code === 'accounts.transition_not_allowed')
        return `not applicable in ${account.lifecycle.state}`;
      throw err;
    }
    return 'applied';
  });
  dctx.log.info(
    { accountId: env.data.accountId, command: o.command.type, outcome },
    outcome === 'applied' ? 'account state changed' : 'event left the account as it was',
  );
}

const activationActor: Actor = { kind: 'service', id: 'activation' };
const stillPending = (l: AccountLifecycle) => l.state === 'smspass_pending';

/** A pending activation that ended without smsPASS returns the account to `email_confirmed`. */
const endedActivation = (
  d: Lifecycle,
  def: EventDef<string, typeof ActivationCancelledV1.schema>,
  by: 'self' | 'officer' | 'expiry',
) =>
  on(def, (env, dctx) =>
    applyOnce(d, ACTIVATION_CONSUMER, env, dctx, {
      command: { type: 'cancel_smspass', by },
      actor: activationActor,
      applies: stillPending,
    }),
  );

/** The consumer of the activation workflow's outcomes (filter `idp.activation.>`). */
export const activationHandlers = (d: Lifecycle): MessageHandler[] => [
  on(ActivationRequestedV1, (env, dctx) =>
    applyOnce(d, ACTIVATION_CONSUMER, env, dctx, {
      command: { type: 'request_smspass' },
      actor: activationActor,
      // Already pending or active (activate_smspass got there first): nothing to do.
      applies: (l) => l.state === 'email_confirmed',
    }),
  ),
  endedActivation(d, ActivationCancelledV1, 'self'),
  endedActivation(d, ActivationExpiredV1, 'expiry'),
  endedActivation(d, ActivationRejectedV1, 'officer'),
  // Five wrong codes end the request like a lapse does: nobody chose to give smsPASS up.
  endedActivation(d, ActivationBlockedV1, 'expiry'),
];

/** The consumer of officers' smsPASS decisions (filter `idp.ra.>`). */
export const raHandlers = (d: Lifecycle): MessageHandler[] => [
  on(RaSmsPassSuspendedV1, (env, dctx) =>
    applyOnce(d, RA_CONSUMER, env, dctx, {
      command: { type: 'suspend', reason: 'abuse' },
      actor: { kind: 'admin', id: env.data.officerId },
      applies: () => true,
    }),
  ),
  on(RaSmsPassReinstatedV1, (env, dctx) =>
    applyOnce(d, RA_CONSUMER, env, dctx, {
      command: { type: 'reinstate' },
      actor: { kind: 'admin', id: env.data.officerId },
      applies: (l) => l.state === 'suspended',
    }),
  ),
];

/** Starts both durable consumers on `IDP_EVENTS` (one filter each: nats-server 2.9). */
export async function startLifecycleConsumers(
  d: Lifecycle,
  o: {
    js: JetStreamClient;
    jsm: JetStreamManager;
    publisher: Publisher;
    catalog: Catalog;
    log: Logger;
    registry: Registry;
  },
): Promise<{ stop(): Promise<void> }> {
  const start = (durable: string, filterSubject: string, handlers: MessageHandler[]) =>
    consume(o.js, o.jsm, {
      stream: EVENTS_STREAM,
      durable,
      filterSubject,
      handlers,
      catalog: o.catalog,
      publisher: o.publisher,
      log: o.log,
      registry: o.registry,
    });
  const running: RunningConsumer[] = [
    await start(ACTIVATION_CONSUMER, 'idp.activation.>', activationHandlers(d)),
    await start(RA_CONSUMER, 'idp.ra.>', raHandlers(d)),
  ];
  return { stop: async () => void (await Promise.all(running.map((c) => c.stop()))) };
}
