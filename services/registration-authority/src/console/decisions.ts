import { randomUUID } from 'node:crypto';
import {
  formatAddressLine,
  DomainError,
  RaCorrectionApprovedV1,
  RaCorrectionRejectedV1,
  RaIdentityConfirmedV1,
  RaRequestRejectedV1,
  RaSmsPassReinstatedV1,
  RaSmsPassSuspendedV1,
  accountsOfficerLookupRpc,
  accountsRpc,
  activationRpc,
  isDomainError,
  type ActivationRequestView,
  type CorrectionView as CorrectionViewSchema,
  type LetterView as LetterViewSchema,
  type MessageContext,
  type RpcResponse,
} from '@idp/events';
import type { z } from '@idp/config';
import { parseIdDocument, parseReason } from '../domain/id-document.js';
import type { IdCheck, Officer } from '../ports.js';
import { officerActor, type ConsoleDeps } from './deps.js';

export type RequestView = z.infer<typeof ActivationRequestView>;
export type CorrectionView = z.infer<typeof CorrectionViewSchema>;
export type Person = RpcResponse<typeof accountsRpc.getAttributes>;
export type LetterView = z.infer<typeof LetterViewSchema>;
export type LetterState = LetterView['state'];

/** `A-…` an smsPASS activation request, `C-…` an identity correction. */
const REQUEST_NUMBER = /^[AC]-[0-9A-HJKMNP-TV-Z]{8}$/;

/** What the officer typed in the search box: a request number, or else a tax number. */
export const asRequestNumber = (q: string): string | undefined => {
  const n = q.trim().toUpperCase();
  return REQUEST_NUMBER.test(n) ? n : undefined;
};

const notPending = () =>
  new DomainError('precondition', 'ra.request_not_pending', {
    message: 'the request is not waiting for an officer',
  });
const noSuchRequest = () =>
  new DomainError('not_found', 'activation.request_not_found', { message: 'no such request' });

/** What an officer finds: smsPASS activation requests and identity corrections, each newest first. */
export interface Found {
  requests: RequestView[];
  corrections: CorrectionView[];
}

/** What a correction changes, field by field: the value on record and the one proposed. */
export function correctionRows(
  correction: CorrectionView,
  person: Person,
): { field: CorrectionView['fields'][number]; current: string | undefined; proposed: string | undefined }[] {
  const p = correction.proposed;
  const a = person.attributes;
  return correction.fields.map((field) => {
    if (field === 'given_name') return { field, current: a.givenName, proposed: p?.givenName };
    if (field === 'family_name') return { field, current: a.familyName, proposed: p?.familyName };
    return { field, current: a.address, proposed: p?.address && formatAddressLine(p.address) };
  });
}

/** The request a number names: an smsPASS activation request or an identity correction. */
export type FoundRequest =
  { kind: 'activation'; request: RequestView } | { kind: 'correction'; correction: CorrectionView };

/** One request as the officer sees it, with the person's data on record and this RA's decision. */
export type Detail = FoundRequest & { person: Person; decision: IdCheck | undefined };

/**
 * How the officer's decision on each kind of request is announced. Activation consumes both kinds
 * of event and decides what follows (an activation code, or accounts applying the correction).
 */
const KINDS = {
  activation: {
    aggregate: 'activation_request',
    approved: RaIdentityConfirmedV1,
    rejected: RaRequestRejectedV1,
  },
  correction: {
    aggregate: 'correction_request',
    approved: RaCorrectionApprovedV1,
    rejected: RaCorrectionRejectedV1,
  },
} as const;

/**
 * A decision on a request is part of the request's journey: its event has the request's id as
 * correlation id, as every event activation records about it, and the console's request as cause.
 */
const requestContext = (requestId: string, ctx: MessageContext): MessageContext => ({
  correlationId: requestId,
  causationId: ctx.correlationId,
});

/** The request behind a number, waiting for an officer or not. */
type Target = {
  kind: keyof typeof KINDS;
  requestId: string;
  requestNumber: string;
  accountId: string;
};

/**
 * What officers do with requests and accounts. Data about people comes from activation and
 * accounts on each page (nothing is cached here); what the officer decided is stored in `ra`
 * and announced by an event in the same transaction.
 */
export class Decisions {
  constructor(private readonly d: ConsoleDeps) {}

  /** The account with this tax number, or undefined (an invalid tax number is the officer's typo: an error). */
  async accountByTaxNumber(taxNumber: string, ctx: MessageContext): Promise<string | undefined> {
    try {
      const r = await this.d.rpc.call(accountsOfficerLookupRpc.findByTaxNumber, { taxNumber }, ctx);
      return r.accountId;
    } catch (err) {
      if (isDomainError(err) && err.code === 'accounts.not_found') return undefined;
      throw err;
    }
  }

  /** Requests and corrections by number or by the citizen's tax number, newest first as activation lists them. */
  async search(query: string, ctx: MessageContext): Promise<Found> {
    const requestNumber = asRequestNumber(query);
    if (requestNumber) return this.d.rpc.call(activationRpc.findForOfficer, { requestNumber }, ctx);
    const accountId = await this.accountByTaxNumber(query, ctx);
    if (!accountId) return { requests: [], corrections: [] };
    return this.d.rpc.call(activationRpc.findForOfficer, { accountIds: [accountId] }, ctx);
  }

  /** The activation request or correction with this number. */
  async find(requestNumber: string, ctx: MessageContext): Promise<FoundRequest> {
    const n = asRequestNumber(requestNumber);
    if (!n) throw noSuchRequest();
    const found = await this.d.rpc.call(activationRpc.findForOfficer, { requestNumber: n }, ctx);
    const request = found.requests[0];
    const correction = found.corrections[0];
    if (request) return { kind: 'activation', request };
    if (correction) return { kind: 'correction', correction };
    throw noSuchRequest();
  }

  /** The request, the person's data to compare with the document, and this RA's decision if any. */
  async detail(requestNumber: string, ctx: MessageContext): Promise<Detail> {
    const found = await this.find(requestNumber, ctx);
    const { accountId, requestId } = found.kind === 'activation' ? found.request : found.correction;
    const [person, decision] = await Promise.all([
      this.d.rpc.call(accountsRpc.getAttributes, { accountId }, ctx),
      this.d.store.findIdCheck(requestId),
    ]);
    return { ...found, person, decision };
  }

  /** Whether an officer of this console may decide it now: path `ra`, still waiting. */
  static isPending(found: FoundRequest): boolean {
    return found.kind === 'activation'
      ? found.request.path === 'ra' && found.request.state === 'awaiting_officer'
      : found.correction.path === 'ra' && found.correction.state === 'submitted';
  }

  private async pending(requestNumber: string, ctx: MessageContext): Promise<Target> {
    const found = await this.find(requestNumber, ctx);
    if (!Decisions.isPending(found)) throw notPending();
    const r = found.kind === 'activation' ? found.request : found.correction;
    return {
      kind: found.kind,
      requestId: r.requestId,
      requestNumber: r.requestNumber,
      accountId: r.accountId,
    };
  }

  /**
   * Records the document checked and approves: an activation request's identity, or a correction's
   * new name or address. The document number stays in `ra`.
   */
  async approve(
    officer: Officer,
    requestNumber: string,
    form: { type: unknown; number: unknown; expiresOn: unknown },
    ctx: MessageContext,
  ): Promise<IdCheck> {
    const now = this.d.clock.now();
    const document = parseIdDocument(form, now);
    const target = await this.pending(requestNumber, ctx);
    const check: IdCheck = {
      id: randomUUID(),
      requestId: target.requestId,
      requestNumber: target.requestNumber,
      accountId: target.accountId,
      officerId: officer.id,
      decision: 'approved',
      document,
      decidedAt: now,
    };
    const kind = KINDS[target.kind];
    await this.d.store.transaction(async (tx) => {
      await tx.insertIdCheck(check);
      await tx.enqueue([
        this.d.event(
          kind.approved,
          {
            aggregate: { type: kind.aggregate, id: target.requestId },
            actor: officerActor(officer.id),
            data: {
              officerId: officer.id,
              requestId: target.requestId,
              accountId: target.accountId,
              documentType: document.type,
              documentExpiresOn: document.expiresOn,
            },
          },
          requestContext(target.requestId, ctx),
        ),
      ]);
    });
    return check;
  }

  async reject(
    officer: Officer,
    requestNumber: string,
    reasonInput: unknown,
    ctx: MessageContext,
  ): Promise<IdCheck> {
    const reason = parseReason(reasonInput);
    const target = await this.pending(requestNumber, ctx);
    const check: IdCheck = {
      id: randomUUID(),
      requestId: target.requestId,
      requestNumber: target.requestNumber,
      accountId: target.accountId,
      officerId: officer.id,
      decision: 'rejected',
      rejectionReason: reason,
      decidedAt: this.d.clock.now(),
    };
    const kind = KINDS[target.kind];
    await this.d.store.transaction(async (tx) => {
      await tx.insertIdCheck(check);
      await tx.enqueue([
        this.d.event(
          kind.rejected,
          {
            aggregate: { type: kind.aggregate, id: target.requestId },
            actor: officerActor(officer.id),
            data: {
              officerId: officer.id,
              requestId: target.requestId,
              accountId: target.accountId,
              reason,
            },
          },
          requestContext(target.requestId, ctx),
        ),
      ]);
    });
    return check;
  }

  async person(accountId: string, ctx: MessageContext): Promise<Person> {
    return this.d.rpc.call(accountsRpc.getAttributes, { accountId }, ctx);
  }

  /**
   * Suspends or reinstates smsPASS. Accounts owns the status and applies the event; the console
   * checks the status it sees so an officer does not suspend what is not active.
   */
  async smsPass(
    officer: Officer,
    action: 'suspend' | 'reinstate',
    accountId: string,
    reasonInput: unknown,
    ctx: MessageContext,
  ): Promise<void> {
    const reason = parseReason(reasonInput);
    const person = await this.person(accountId, ctx);
    const expected = action === 'suspend' ? 'active' : 'suspended';
    if (person.smsPass !== expected) {
      throw new DomainError('precondition', 'ra.smspass_state_conflict', {
        message: `smsPASS is ${person.smsPass}, not ${expected}`,
      });
    }
    const def = action === 'suspend' ? RaSmsPassSuspendedV1 : RaSmsPassReinstatedV1;
    await this.d.store.transaction((tx) =>
      tx.enqueue([
        this.d.event(
          def,
          {
            aggregate: { type: 'account', id: accountId },
            actor: officerActor(officer.id),
            data: { officerId: officer.id, accountId, reason },
          },
          ctx,
        ),
      ]),
    );
  }

  /** The postal print queue as activation keeps it, optionally only the letters in one state. */
  async letters(state: LetterState | undefined, ctx: MessageContext): Promise<LetterView[]> {
    return (await this.d.rpc.call(activationRpc.listLetters, state ? { state } : {}, ctx)).letters;
  }

  /**
   * Marks a letter printed or posted. Activation records who did it and announces it; the officer's
   * id (not the e-mail) goes there because the event lands in the audit log.
   */
  async markLetter(
    officer: Officer,
    letterId: string,
    state: 'printed' | 'posted',
    ctx: MessageContext,
  ): Promise<LetterView> {
    return this.d.rpc.call(activationRpc.markLetter, { letterId, state, by: officer.id }, ctx);
  }
}
