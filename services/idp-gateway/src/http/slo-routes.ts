import { ERROR_STATUS, isDomainError, SamlSessionEndedV1 } from '@idp/events';
import type { RegisteredSp } from '@idp/saml';
import type { Express, Request, Response } from '@idp/web';
import {
  buildLogoutRequest,
  buildLogoutResponse,
  encodeLogoutMessage,
  type LogoutBinding,
  type LogoutStatus,
  type OutgoingMessage,
} from '../saml/response/build-logout.js';
import { readLogoutResponse, type SamlResponseInput } from '../saml/verify/read-logout-response.js';
import type { SamlRequestInput, VerifiedLogoutRequest } from '../saml/verify/types.js';
import { newToken, type SessionParticipant, type SsoSession } from '../session/store.js';
import { t } from '../web/i18n.js';
import { renderPage } from '../web/views.js';
import type { FlowDeps } from '../flow/deps.js';
import { browserState, COOKIE, formBody } from './browser-state.js';
import { sameToken } from './pages.js';

/** Names the propagation chain in progress, as a fallback for an SP that drops RelayState. */
const SUCCESS = 'urn:oasis:names:tc:SAML:2.0:status:Success';
/** A POSTed LogoutRequest waits this long for the browser's GET that carries the session cookie. */
const RESUME_TTL_MS = 2 * 60_000;
/** How long one SP may take to answer its LogoutRequest before the chain is forgotten. */
const CHAIN_TTL_MS = 5 * 60_000;

/** The login flow's dependencies that logout shares, plus the LogoutRequest verifier. */
export type SloDeps = Pick<
  FlowDeps,
  'store' | 'publisher' | 'registry' | 'signing' | 'idpEntityId' | 'now' | 'log' | 'secureCookies'
> & {
  verifyLogoutRequest(input: SamlRequestInput): Promise<VerifiedLogoutRequest>;
};

/** The parts of a verified LogoutRequest that outlive the HTTP request (stored as JSON). */
interface AcceptedLogoutRequest {
  spEntityId: string;
  requestId: string;
  nameId: string;
  sessionIndexes: string[];
  relayState?: string;
  binding: LogoutBinding;
}

/** Front-channel propagation in progress: one SP at a time, then the answer to the requester. */
interface LogoutChain {
  id: string;
  /** The SP whose LogoutRequest started it; absent when the citizen logged out at the gateway. */
  requester?: AcceptedLogoutRequest;
  pending: SessionParticipant[];
  current?: { spEntityId: string; requestId: string };
  /** Some participant could not be told or did not confirm: the requester gets PartialLogout. */
  partial: boolean;
}

/** The SLO endpoint to use for an SP: the preferred binding if it has one, else Redirect, else POST. */
function sloService(sp: RegisteredSp | undefined, preferred?: LogoutBinding) {
  const usable = (sp?.singleLogoutServices ?? []).filter(
    (s): s is typeof s & { binding: LogoutBinding } => s.binding === 'redirect' || s.binding === 'post',
  );
  return (
    usable.find((s) => s.binding === preferred) ?? usable.find((s) => s.binding === 'redirect') ?? usable[0]
  );
}

/**
 * Single Logout at /saml/slo (HTTP-Redirect and HTTP-POST).
 *
 * A LogoutRequest is verified first (same signature profile as AuthnRequests, Destination,
 * IssueInstant, replay); a refused one gets the error page and ends nothing. A verified one ends the
 * browser's SSO session when its NameID (and SessionIndex, if given) match what we asserted to that
 * SP, then the other participants are sent LogoutRequests one by one (their LogoutResponses come back
 * here), and finally the requester gets a signed LogoutResponse at its registered SLO endpoint.
 *
 * Status choices: no SSO session in this browser → Success (the principal is already logged out
 * here, SAML Core 3.7.3.2 leaves it to the IdP and this is what SPs expect); a session that does not
 * name this SP's subject → Requester/UnknownPrincipal and the session is left alone; a participant
 * that could not be reached or did not answer with a matching Success → Success/PartialLogout.
 */
export function mountSloRoutes(app: Express, d: SloDeps): void {
  const browser = browserState(d.secureCookies);

  const errorPage = (req: Request, res: Response, status: number, code: string) =>
    res
      .status(status)
      .type('html')
      .set('cache-control', 'no-store')
      .send(
        renderPage('error', browser.lang(req), {
          message: t(browser.lang(req), status >= 500 ? 'unavailable' : 'errorBody'),
          code,
          correlationId: req.correlationId,
        }),
      );

  const loggedOutPage = (req: Request, res: Response, partial = false) =>
    res
      .status(200)
      .type('html')
      .set('cache-control', 'no-store')
      .send(renderPage('logged-out', browser.lang(req), { partial }));

  const send = (req: Request, res: Response, out: OutgoingMessage) => {
    res.set('cache-control', 'no-store');
    if (out.binding === 'redirect') {
      res.redirect(302, out.url);
      return;
    }
    res
      .status(200)
      .type('html')
      .send(
        renderPage('post', browser.lang(req), {
          action: out.action,
          field: out.field,
          value: out.value,
          relayState: out.relayState,
        }),
      );
  };

  /** The signed LogoutResponse to the SP that asked, at its registered endpoint (ResponseLocation first). */
  const answerRequester = (req: Request, res: Response, r: AcceptedLogoutRequest, status: LogoutStatus) => {
    const slo = sloService(d.registry.lookup(r.spEntityId), r.binding);
    if (!slo) {
      // Verified, but the SP registered nowhere to answer: nothing may be sent to an unregistered URL.
      loggedOutPage(req, res);
      return;
    }
    const destination = slo.responseUrl ?? slo.url;
    const message = buildLogoutResponse({
      idpEntityId: d.idpEntityId,
      destination,
      inResponseTo: r.requestId,
      status,
      now: d.now(),
    });
    send(
      req,
      res,
      encodeLogoutMessage({
        field: 'SAMLResponse',
        message,
        binding: slo.binding,
        destination,
        ...(r.relayState === undefined ? {} : { relayState: r.relayState }),
        signing: d.signing,
      }),
    );
  };

  /** Sends the next participant its LogoutRequest, or, when none is left, answers the requester. */
  const continueChain = async (req: Request, res: Response, chain: LogoutChain) => {
    for (let p = chain.pending.shift(); p; p = chain.pending.shift()) {
      const slo = sloService(d.registry.lookup(p.spEntityId));
      if (!slo) {
        chain.partial = true;
        continue;
      }
      const message = buildLogoutRequest({
        idpEntityId: d.idpEntityId,
        spEntityId: p.spEntityId,
        destination: slo.url,
        nameId: { value: p.nameId, format: p.nameIdFormat },
        sessionIndex: p.sessionIndex,
        now: d.now(),
      });
      chain.current = { spEntityId: p.spEntityId, requestId: message.id };
      await d.store.putLogoutState(`chain:${chain.id}`, chain, CHAIN_TTL_MS);
      res.append('set-cookie', browser.cookie(COOKIE.sloChain, chain.id));
      send(
        req,
        res,
        encodeLogoutMessage({
          field: 'SAMLRequest',
          message,
          binding: slo.binding,
          destination: slo.url,
          relayState: chain.id,
          signing: d.signing,
        }),
      );
      return;
    }
    await d.store.takeLogoutState(`chain:${chain.id}`);
    res.append('set-cookie', browser.cookie(COOKIE.sloChain, '', 0));
    if (!chain.requester) {
      loggedOutPage(req, res, chain.partial);
      return;
    }
    answerRequester(
      req,
      res,
      chain.requester,
      chain.partial ? { top: 'Success', second: 'PartialLogout' } : { top: 'Success' },
    );
  };

  /** A verified LogoutRequest, in a request that carries the browser's cookies. */
  const logout = async (req: Request, res: Response, r: AcceptedLogoutRequest) => {
    const now = d.now();
    const sessionId = browser.read(req, COOKIE.session);
    const session = sessionId ? await d.store.getSession(sessionId, now) : undefined;
    if (!session) {
      if (sessionId) res.append('set-cookie', browser.cookie(COOKIE.session, '', 0));
      req.log.info({ spEntityId: r.spEntityId }, 'LogoutRequest without an SSO session: already logged out');
      answerRequester(req, res, r, { top: 'Success' });
      return;
    }
    const participant = session.participants.find((p) => p.spEntityId === r.spEntityId);
    const matches =
      participant !== undefined &&
      participant.nameId === r.nameId &&
      (r.sessionIndexes.length === 0 || r.sessionIndexes.includes(participant.sessionIndex));
    if (!matches) {
      req.log.warn({ spEntityId: r.spEntityId }, 'LogoutRequest does not name this session: nothing ended');
      answerRequester(req, res, r, { top: 'Requester', second: 'UnknownPrincipal' });
      return;
    }
    await endSession(req, res, session, r);
  };

  /** Ends the session and tells every participant but the requester, one after the other. */
  const endSession = async (req: Request, res: Response, session: SsoSession, r?: AcceptedLogoutRequest) => {
    await d.store.deleteSession(session.id);
    res.append('set-cookie', browser.cookie(COOKIE.session, '', 0));
    await d.publisher.publish(
      SamlSessionEndedV1,
      {
        aggregate: { type: 'account', id: session.accountId },
        actor: { kind: 'user', id: session.accountId },
        data: {
          sessionId: session.id,
          accountId: session.accountId,
          reason: 'logout',
          spEntityIds: session.participants.map((p) => p.spEntityId),
        },
      },
      { correlationId: req.correlationId },
    );
    await continueChain(req, res, {
      id: newToken(),
      ...(r ? { requester: r } : {}),
      pending: session.participants.filter((p) => p.spEntityId !== r?.spEntityId),
      partial: false,
    });
  };

  /**
   * Logout at the gateway itself (the user pages' button): the session ends and every e-service it
   * logged in to gets a LogoutRequest, as for an SP's request, then the citizen sees the logged-out
   * page. The form carries the session's CSRF token, so no other site can log a citizen out.
   */
  app.post('/logout', formBody, (req, res, next) => {
    const run = async () => {
      const sessionId = browser.read(req, COOKIE.session);
      const session = sessionId ? await d.store.getSession(sessionId, d.now()) : undefined;
      if (!session) {
        if (sessionId) res.append('set-cookie', browser.cookie(COOKIE.session, '', 0));
        loggedOutPage(req, res);
        return;
      }
      if (!session.csrfToken || !sameToken((req.body as Record<string, unknown>).csrf, session.csrfToken)) {
        req.log.warn({ errorCode: 'saml.csrf_token_invalid' }, 'logout form refused: nothing ended');
        errorPage(req, res, 403, 'saml.csrf_token_invalid');
        return;
      }
      await endSession(req, res, session);
    };
    run().catch(next);
  });

  const onRequest = async (req: Request, res: Response, input: SamlRequestInput) => {
    let verified: VerifiedLogoutRequest;
    try {
      verified = await d.verifyLogoutRequest(input);
    } catch (err) {
      if (!isDomainError(err)) throw err;
      req.log.warn({ errorCode: err.code }, 'LogoutRequest refused: nothing ended');
      errorPage(req, res, ERROR_STATUS[err.kind], err.code);
      return;
    }
    const accepted: AcceptedLogoutRequest = {
      spEntityId: verified.sp.entityId,
      requestId: verified.id,
      nameId: verified.nameId,
      sessionIndexes: verified.sessionIndexes,
      binding: verified.binding,
      ...(verified.relayState === undefined ? {} : { relayState: verified.relayState }),
    };
    if (input.binding === 'post') {
      // A cross-site POST does not carry the SameSite=Lax session cookie; the top-level GET it is
      // redirected to does. The verified request waits for it in Redis, usable once.
      const token = newToken();
      await d.store.putLogoutState(`req:${token}`, accepted, RESUME_TTL_MS);
      res.set('cache-control', 'no-store').redirect(303, `/saml/slo?resume=${token}`);
      return;
    }
    await logout(req, res, accepted);
  };

  const onResponse = async (
    req: Request,
    res: Response,
    input: SamlResponseInput,
    rawRelayState?: string,
  ) => {
    const chainId = rawRelayState ?? browser.read(req, COOKIE.sloChain);
    const chain = chainId ? await d.store.getLogoutState<LogoutChain>(`chain:${chainId}`) : undefined;
    if (!chain) {
      errorPage(req, res, 400, 'saml.logout_not_in_progress');
      return;
    }
    let problem: string | undefined;
    try {
      const read = readLogoutResponse(input, (id) => d.registry.lookup(id));
      if (!chain.current || read.issuer !== chain.current.spEntityId) problem = 'unexpected issuer';
      else if (read.inResponseTo !== chain.current.requestId) problem = 'InResponseTo does not match';
      else if (read.status !== SUCCESS) problem = 'status is not Success';
    } catch (err) {
      problem = isDomainError(err) ? err.code : 'unreadable';
    }
    if (problem) {
      // The session is already gone; a bad answer from one SP only makes the logout partial.
      req.log.warn({ spEntityId: chain.current?.spEntityId, problem }, 'LogoutResponse not accepted');
      chain.partial = true;
    }
    delete chain.current;
    await continueChain(req, res, chain);
  };

  const rawQueryOf = (req: Request) =>
    req.originalUrl.includes('?') ? req.originalUrl.slice(req.originalUrl.indexOf('?') + 1) : '';

  app.get('/saml/slo', (req, res, next) => {
    const rawQuery = rawQueryOf(req);
    const q = req.query;
    const run = async () => {
      if (typeof q.SAMLRequest === 'string') return onRequest(req, res, { binding: 'redirect', rawQuery });
      if (typeof q.SAMLResponse === 'string')
        return onResponse(
          req,
          res,
          { binding: 'redirect', rawQuery },
          typeof q.RelayState === 'string' ? q.RelayState : undefined,
        );
      if (typeof q.resume === 'string') {
        const accepted = await d.store.takeLogoutState<AcceptedLogoutRequest>(`req:${q.resume}`);
        if (!accepted) return errorPage(req, res, 404, 'saml.logout_not_in_progress');
        return logout(req, res, accepted);
      }
      return errorPage(req, res, 400, 'saml.malformed_request');
    };
    run().catch(next);
  });

  app.post('/saml/slo', formBody, (req, res, next) => {
    const body = req.body as Record<string, unknown>;
    const relayState = typeof body.RelayState === 'string' ? body.RelayState : undefined;
    const run = async () => {
      if (typeof body.SAMLRequest === 'string')
        return onRequest(req, res, {
          binding: 'post',
          samlRequest: body.SAMLRequest,
          ...(relayState === undefined ? {} : { relayState }),
        });
      if (typeof body.SAMLResponse === 'string')
        return onResponse(
          req,
          res,
          {
            binding: 'post',
            samlResponse: body.SAMLResponse,
            ...(relayState === undefined ? {} : { relayState }),
          },
          relayState,
        );
      return errorPage(req, res, 400, 'saml.malformed_request');
    };
    run().catch(next);
  });
}
