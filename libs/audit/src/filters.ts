import type { Envelope } from '@idp/events';
import type { ReplayedEvent } from './replay-validate.js';

/**
 * What an auditor narrows a replay to. Every given criterion must hold (AND); within `subjects`
 * any pattern may match (OR).
 */
export interface EventFilter {
  /** NATS subject patterns (`idp.saml.>`, `idp.*.created.v1`). One pattern is applied by the server. */
  subjects?: readonly string[];
  /** Account id: the event's aggregate id, or its `data.accountId`. */
  account?: string;
  /** E-service (SP) entity id: `data.spEntityId`. */
  eservice?: string;
  correlationId?: string;
}

/**
 * NATS subject matching (`*` one token, `>` one or more trailing tokens). Hand-written because the
 * client library keeps its matcher internal; the rules are the server's.
 */
export function subjectMatches(pattern: string, subject: string): boolean {
  if (pattern === subject) return true;
  const p = pattern.split('.');
  const s = subject.split('.');
  for (let i = 0; i < p.length; i++) {
    const t = p[i];
    if (t === '>') return s.length > i;
    if (i >= s.length) return false;
    if (t !== '*' && t !== s[i]) return false;
  }
  return p.length === s.length;
}

/** A pattern the server would accept as a filter subject: non-empty tokens, `>` only last. */
export function isValidSubjectPattern(pattern: string): boolean {
  const tokens = pattern.split('.');
  return tokens.every(
    (t, i) => t.length > 0 && !/\s/.test(t) && (t === '>' ? i === tokens.length - 1 : !t.includes('>')),
  );
}

const dataField = (env: Envelope, key: string): unknown =>
  env.data !== null && typeof env.data === 'object' ? (env.data as Record<string, unknown>)[key] : undefined;

/** The account an event is about directly: its aggregate id or `data.accountId`. */
export function isAboutAccount(env: Envelope, accountId: string): boolean {
  return env.aggregate.id === accountId || dataField(env, 'accountId') === accountId;
}

/** The e-service (SP entity id) an event names, if any. */
export const eserviceOf = (env: Envelope): string | undefined => {
  const sp = dataField(env, 'spEntityId');
  return typeof sp === 'string' ? sp : undefined;
};

/**
 * The test for one replayed event. Subject patterns are checked on the stored subject; the other
 * criteria need the envelope, so an event whose envelope cannot be read passes them: a misfit is
 * always shown to the auditor rather than hidden by a filter that cannot judge it.
 */
export function compileFilter(f: EventFilter): (e: ReplayedEvent) => boolean {
  const patterns = f.subjects ?? [];
  const { account, eservice, correlationId } = f;
  return (e) => {
    if (patterns.length > 0 && !patterns.some((p) => subjectMatches(p, e.subject))) return false;
    const env = e.envelope;
    if (!env) return true;
    if (account !== undefined && !isAboutAccount(env, account)) return false;
    if (eservice !== undefined && eserviceOf(env) !== eservice) return false;
    if (correlationId !== undefined && env.correlationId !== correlationId) return false;
    return true;
  };
}

/** The one pattern the server can filter on (NATS 2.9 takes a single filter subject per consumer). */
export const serverFilterSubject = (f: EventFilter): string | undefined =>
  f.subjects?.length === 1 ? f.subjects[0] : undefined;
