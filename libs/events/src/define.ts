import type { z } from 'zod';

/** `idp.<domain>.<snake_case_past_tense>.v<N>`; `rpc`, `work`, `dlq` and `seal` are reserved domains. */
export const EVENT_SUBJECT =
  /^idp\.(?!rpc\.|work\.|dlq\.|seal\.)[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*\.v[1-9][0-9]*$/;
/** `idp.rpc.<service>.<operation>.v<N>` */
export const RPC_SUBJECT = /^idp\.rpc\.[a-z][a-z0-9_-]*\.[a-z][a-z0-9_]*\.v[1-9][0-9]*$/;
/** `idp.seal.<record>.v<N>`: the notary's checkpoints, kept in their own stream, never in the audit log. */
export const SEAL_SUBJECT = /^idp\.seal\.[a-z][a-z0-9_]*\.v[1-9][0-9]*$/;
/** `idp.work.<queue>.<job>.v<N>` */
export const JOB_SUBJECT = /^idp\.work\.[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*\.v[1-9][0-9]*$/;

export interface EventDef<S extends string = string, D extends z.ZodType = z.ZodType> {
  kind: 'event';
  subject: S;
  schema: D;
  description: string;
}

export interface JobDef<S extends string = string, D extends z.ZodType = z.ZodType> {
  kind: 'job';
  subject: S;
  /** The work queue (and its stream) this job travels on. */
  queue: string;
  schema: D;
  description: string;
}

/**
 * A record about the audit log rather than a fact of the domain (the notary's signed checkpoints).
 * Its own kind, so it can never land in `IDP_EVENTS`: the log must not hold its own seals, or
 * sealing would have to seal the seals. It has no envelope; the payload is the record itself.
 */
export interface SealDef<S extends string = string, D extends z.ZodType = z.ZodType> {
  kind: 'seal';
  subject: S;
  schema: D;
  description: string;
}

export interface RpcDef<
  S extends string = string,
  Req extends z.ZodType = z.ZodType,
  Res extends z.ZodType = z.ZodType,
> {
  kind: 'rpc';
  subject: S;
  request: Req;
  response: Res;
  description: string;
}

export type MessageDef = EventDef | JobDef;
export type EventData<E extends MessageDef> = z.infer<E['schema']>;
export type RpcRequest<R extends RpcDef> = z.input<R['request']>;
export type RpcResponse<R extends RpcDef> = z.infer<R['response']>;

function check(re: RegExp, subject: string, what: string) {
  if (!re.test(subject))
    throw new Error(`${what} subject ${JSON.stringify(subject)} does not match ${re.source}`);
}

export function defineEvent<S extends string, D extends z.ZodType>(
  subject: S,
  schema: D,
  description: string,
): EventDef<S, D> {
  check(EVENT_SUBJECT, subject, 'event');
  return { kind: 'event', subject, schema, description };
}

export function defineSeal<S extends string, D extends z.ZodType>(
  subject: S,
  schema: D,
  description: string,
): SealDef<S, D> {
  check(SEAL_SUBJECT, subject, 'seal');
  return { kind: 'seal', subject, schema, description };
}

export function defineJob<S extends string, D extends z.ZodType>(
  subject: S,
  schema: D,
  description: string,
): JobDef<S, D> {
  check(JOB_SUBJECT, subject, 'job');
  return { kind: 'job', subject, queue: subject.split('.')[2]!, schema, description };
}

export function defineRpc<S extends string, Req extends z.ZodType, Res extends z.ZodType>(
  subject: S,
  request: Req,
  response: Res,
  description: string,
): RpcDef<S, Req, Res> {
  check(RPC_SUBJECT, subject, 'rpc');
  return { kind: 'rpc', subject, request, response, description };
}
