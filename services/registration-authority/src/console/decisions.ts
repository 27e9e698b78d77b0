import { randomUUID } from 'node:crypto';
import {
  DomainError,
  RaIdentityConfirmedV1,
  RaRequestRejectedV1,
  RaSmsPassReinstatedV1,
  RaSmsPassSuspendedV1,
  accountsOfficerLookupRpc,
  accountsRpc,
  activationRpc,
  isDomainError,
  type ActivationRequestView,
  type LetterView as LetterViewSchema,
  type MessageContext,
  type RpcResponse,
} from '@idp/events';
import type { z } from '@idp/config';
import { parseIdDocument, parseReason } from '../domain/id-document.js';
import type { IdCheck, Officer } from '../ports.js';
import { officerActor, type ConsoleDeps } from './deps.js';

export type RequestView = z.infer<typeof ActivationRequestView>;
export type Person = RpcResponse<typeof accountsRpc.getAttributes>;
export type LetterView = z.infer<typeof LetterViewSchema>;
export type LetterState = LetterView['state'];

const REQUEST_NUMBER = /^A-[0-9A-HJKMNP-TV-Z]{8}$/;

/** What the officer typed in the search box: a request number, or else a tax number. */
export const asRequestNumber = (q: string): string | undefined => {
  const n = q.trim().toUpperCase();
  return REQUEST_NUMBER.test(n) ? n : undefined;
};

const notPending = () =>
  new DomainError('precondition', 'ra.request_not_pending', {
    message: 'the request is not waiting for an officer',
  });

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

  /** Requests by request number or by the citizen's tax number, newest first as activation lists them. */
  async search(query: string, ctx: MessageContext): Promise<RequestView[]> {
    const requestNumber = asRequestNumber(query);
    if (requestNumber) {
      return (await this.d.rpc.call(activationRpc.findForOfficer, { requestNumber }, ctx)).requests;
    }
    const accountId = await this.accountByTaxNumber(query, ctx);
    if (!accountId) return [];
    return (await this.d.rpc.call(activationRpc.findForOfficer, { accountIds: [accountId] }, ctx)).requests;
  }

  async request(requestNumber: string, ctx: MessageContext): Promise<RequestView> {
    const n = asRequestNumber(requestNumber);
    const found = n
      ? (await this.d.rpc.call(activationRpc.findForOfficer, { requestNumber: n }, ctx)).requests[0]
      : undefined;
    if (!found)
      throw new DomainError('not_found', 'activation.request_not_found', { message: 'no such request' });
    return found;
  }

  /** The request, the person's data to compare with the document, and this RA's decision if any. */
  async detail(
    requestNumber: string,
    ctx: MessageContext,
  ): Promise<{ request: RequestView; person: Person; decision: IdCheck | undefined }> {
    const request = await this.request(requestNumber, ctx);
    const [person, decision] = await Promise.all([
      this.d.rpc.call(accountsRpc.getAttributes, { accountId: request.accountId }, ctx),
      this.d.store.findIdCheck(request.requestId),
    ]);
    return { request, person, decision };
  }

  private async pending(requestNumber: string, ctx: MessageContext): Promise<RequestView> {
    const request = await this.request(requestNumber, ctx);
    if (request.path !== 'ra' || request.state !== 'awaiting_officer') throw notPending();
    return request;
  }

  /** Records the document checked and confirms the identity; the document number stays in `ra`. */
  async approve(
    officer: Officer,
    requestNumber: string,
    form: { type: unknown; number: unknown; expiresOn: unknown },
    ctx: MessageContext,
  ): Promise<IdCheck> {
    const now = this.d.clock.now();
    const document = parseIdDocument(form, now);
    const request = await this.pending(requestNumber, ctx);
    const check: IdCheck = {
      id: randomUUID(),
      requestId: request.requestId,
      requestNumber: request.requestNumber,
      accountId: request.accountId,
      officerId: officer.id,
      decision: 'approved',
      document,
      decidedAt: now,
    };
    await this.d.store.transaction(async (tx) => {
      await tx.insertIdCheck(check);
      await tx.enqueue([
        this.d.event(
          RaIdentityConfirmedV1,
          {
            aggregate: { type: 'activation_request', id: request.requestId },
            actor: officerActor(officer.id),
            data: {
              officerId: officer.id,
              requestId: request.requestId,
              accountId: request.accountId,
              documentType: document.type,
              documentExpiresOn: document.expiresOn,
            },
          },
          ctx,
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
    const request = await this.pending(requestNumber, ctx);
    const check: IdCheck = {
      id: randomUUID(),
      requestId: request.requestId,
      requestNumber: request.requestNumber,
      accountId: request.accountId,
      officerId: officer.id,
      decision: 'rejected',
      rejectionReason: reason,
      decidedAt: this.d.clock.now(),
    };
    await this.d.store.transaction(async (tx) => {
      await tx.insertIdCheck(check);
      await tx.enqueue([
        this.d.event(
          RaRequestRejectedV1,
          {
            aggregate: { type: 'activation_request', id: request.requestId },
            actor: officerActor(officer.id),
            data: {
              officerId: officer.id,
              requestId: request.requestId,
              accountId: request.accountId,
              reason,
            },
          },
          ctx,
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
