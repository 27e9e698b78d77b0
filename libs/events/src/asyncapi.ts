import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { format, resolveConfig } from 'prettier';
import { z } from 'zod';
import type { Catalog } from './catalog.js';
import type { EventDef, JobDef, RpcDef, SealDef } from './define.js';
import { Envelope } from './envelope.js';
import { ERROR_KINDS, type ErrorKind } from './errors.js';
import { HEADER } from './nats.js';
import { ownersOf, type MessageOwners, type Owners, type RpcOwners } from './contracts/owners.js';
import { EVENTS_STREAM, SEALS_STREAM, deadLetterSubject, workStreamName } from './streams.js';
import { SIGNATURE_HEADER } from './signing.js';

/** A JSON value: the document is plain data, ready for `JSON.stringify`. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type AsyncApiDocument = { asyncapi: '3.0.0' } & { [key: string]: Json };

export interface AsyncApiOptions {
  /** Defaults to the version in libs/events/package.json. */
  version?: string;
  /** Where the document says NATS runs; the development default. */
  host?: string;
}

const packageVersion = (): string =>
  (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string })
    .version;

/** The generated document, checked in (the unit tests fail when it is not current). */
export const ASYNCAPI_FILE = fileURLToPath(new URL('../../../docs/asyncapi.json', import.meta.url));

/** A subject as an AsyncAPI id (ids may hold only letters, digits, `_` and `-`). */
export const channelId = (subject: string): string => subject.replace(/\./g, '_');

const ref = (path: string): Json => ({ $ref: path });

/** JSON Schema (draft-07, which AsyncAPI schemas extend) of a zod schema, without its `$schema` line. */
function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): Json {
  const { $schema: _drop, ...rest } = z.toJSONSchema(schema, {
    target: 'draft-07',
    io,
    unrepresentable: 'any',
  });
  return rest as Json;
}

/** Every key sorted, recursively, so the generated file only changes when the catalog does. */
function sortKeys(v: Json): Json {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v && typeof v === 'object')
    return Object.fromEntries(
      Object.keys(v)
        .sort()
        .map((k) => [k, sortKeys(v[k]!)]),
    );
  return v;
}

const list = (parties: readonly string[]): string => (parties.length ? parties.join(', ') : 'none yet');

const headerSchema = (extra: Record<string, Json> = {}): Json => ({
  type: 'object',
  properties: {
    [HEADER.correlationId]: {
      type: 'string',
      description: 'One per login or registration journey; equals `envelope.correlationId`.',
    },
    [HEADER.causationId]: { type: 'string', description: 'Id of the message that caused this one.' },
    ...extra,
  },
  required: [HEADER.correlationId],
});

const replySchema = (def: RpcDef): z.ZodType =>
  z
    .discriminatedUnion('ok', [
      z.object({ ok: z.literal(true), data: def.response }).describe('The call succeeded.'),
      z
        .object({
          ok: z.literal(false),
          error: z.object({
            kind: z
              .enum(ERROR_KINDS as [ErrorKind, ...ErrorKind[]])
              .describe('How the caller should treat the failure; also in `Nats-Service-Error-Code`.'),
            code: z.string().describe('A closed code `<domain>.<snake_reason>`, e.g. `accounts.not_found`.'),
            message: z.string().describe('For logs; callers branch on `code`, never on this text.'),
          }),
        })
        .describe('The call failed with a typed error.'),
    ])
    .describe('Either `{ ok: true, data }` or `{ ok: false, error: { kind, code, message } }`.');

interface Parts {
  channels: Record<string, Json>;
  operations: Record<string, Json>;
  messages: Record<string, Json>;
}

const signatureHeaders: Record<string, Json> = {
  [SIGNATURE_HEADER.signature]: {
    type: 'string',
    description: 'Base64 Ed25519 signature over the exact body bytes, by the publishing service.',
  },
  [SIGNATURE_HEADER.keyId]: {
    type: 'string',
    description:
      'Hex of the first 16 bytes of SHA-256 over the signing public key (SPKI DER); see the trust file.',
  },
};

function addMessage(parts: Parts, def: EventDef | JobDef | SealDef, owners: MessageOwners) {
  const id = channelId(def.subject);
  const stored =
    def.kind === 'event'
      ? `Stored in the JetStream stream \`${EVENTS_STREAM}\` (the audit log).`
      : def.kind === 'seal'
        ? `Stored in the JetStream stream \`${SEALS_STREAM}\`, never in \`${EVENTS_STREAM}\`.`
        : `A job on the work-queue stream \`${workStreamName(def.queue)}\`; dead-lettered to \`${deadLetterSubject(def.queue)}\`.`;
  const who = `Produced by: ${list(owners.producers)}. Consumed by: ${list(owners.consumers)}.`;
  parts.messages[id] = {
    name: def.subject,
    title: def.subject,
    summary: def.description,
    contentType: 'application/json',
    headers:
      def.kind === 'seal'
        ? { type: 'object', properties: signatureHeaders, required: Object.keys(signatureHeaders) }
        : headerSchema({
            'Nats-Msg-Id': { type: 'string', description: 'The envelope id (de-duplication).' },
            ...signatureHeaders,
          }),
    payload:
      def.kind === 'seal'
        ? jsonSchema(def.schema, 'output')
        : jsonSchema(Envelope.extend({ subject: z.literal(def.subject), data: def.schema }), 'output'),
  };
  parts.channels[id] = {
    address: def.subject,
    title: def.subject,
    summary: def.description,
    description: `${def.description}\n\n${who}\n\n${stored}`,
    messages: { [id]: ref(`#/components/messages/${id}`) },
    'x-kind': def.kind,
    'x-producers': [...owners.producers],
    'x-consumers': [...owners.consumers],
  };
  const op = (action: 'send' | 'receive', parties: readonly string[]): Json => ({
    action,
    channel: ref(`#/channels/${id}`),
    messages: [ref(`#/channels/${id}/messages/${id}`)],
    summary: `${action === 'send' ? 'Published' : 'Consumed'} by ${list(parties)}.`,
    'x-services': [...parties],
  });
  parts.operations[`${id}__send`] = op('send', owners.producers);
  if (owners.consumers.length) parts.operations[`${id}__receive`] = op('receive', owners.consumers);
}

function addRpc(parts: Parts, def: RpcDef, owners: RpcOwners) {
  const id = channelId(def.subject);
  const [req, res] = [`${id}__request`, `${id}__reply`];
  const who = `Answered by: ${owners.answeredBy} (queue group \`${owners.answeredBy}\`). Called by: ${list(owners.callers)}.`;
  parts.messages[req] = {
    name: `${def.subject} request`,
    title: `${def.subject} request`,
    summary: def.description,
    contentType: 'application/json',
    headers: headerSchema({
      [HEADER.deadline]: {
        type: 'string',
        description: 'Absolute deadline (epoch ms) after which the caller gave up.',
      },
    }),
    payload: jsonSchema(def.request, 'input'),
  };
  parts.messages[res] = {
    name: `${def.subject} reply`,
    title: `${def.subject} reply`,
    summary: `Reply to ${def.subject}: \`{ ok: true, data }\` or \`{ ok: false, error: { kind, code, message } }\`.`,
    contentType: 'application/json',
    payload: jsonSchema(replySchema(def), 'output'),
  };
  parts.channels[id] = {
    address: def.subject,
    title: def.subject,
    summary: def.description,
    description: `${def.description}\n\n${who}\n\nCore NATS request/reply; never stored.`,
    messages: { request: ref(`#/components/messages/${req}`) },
    'x-kind': 'rpc',
    'x-answered-by': owners.answeredBy,
    'x-callers': [...owners.callers],
  };
  parts.channels[res] = {
    address: null,
    description: `The caller's NATS inbox (the request's reply subject) for ${def.subject}.`,
    messages: { reply: ref(`#/components/messages/${res}`) },
  };
  const reply: Json = {
    channel: ref(`#/channels/${res}`),
    messages: [ref(`#/channels/${res}/messages/reply`)],
  };
  parts.operations[`${id}__send`] = {
    action: 'send',
    channel: ref(`#/channels/${id}`),
    messages: [ref(`#/channels/${id}/messages/request`)],
    reply,
    summary: `Called by ${list(owners.callers)}.`,
    'x-services': [...owners.callers],
  };
  parts.operations[`${id}__receive`] = {
    action: 'receive',
    channel: ref(`#/channels/${id}`),
    messages: [ref(`#/channels/${id}/messages/request`)],
    reply,
    summary: `Answered by ${owners.answeredBy}.`,
    'x-services': [owners.answeredBy],
  };
}

function requireOwners<K extends Owners['kind']>(subject: string, kind: K): Extract<Owners, { kind: K }> {
  const o = ownersOf(subject);
  if (!o) throw new Error(`no owners entry for ${subject} in contracts/owners.ts`);
  if (o.kind !== kind) throw new Error(`owners entry for ${subject} is for a ${o.kind}, not a ${kind}`);
  return o as Extract<Owners, { kind: K }>;
}

/**
 * The catalog as an AsyncAPI 3.0.0 document: a channel per subject (plus a reply channel per
 * request), payload schemas from the zod schemas, and who produces and consumes each subject.
 * Keys are sorted, so the same catalog always gives the same text.
 */
export function buildAsyncApi(catalog: Catalog, o: AsyncApiOptions = {}): AsyncApiDocument {
  const parts: Parts = { channels: {}, operations: {}, messages: {} };
  for (const e of catalog.events) addMessage(parts, e, requireOwners(e.subject, 'message'));
  for (const j of catalog.jobs) addMessage(parts, j, requireOwners(j.subject, 'message'));
  for (const k of catalog.seals) addMessage(parts, k, requireOwners(k.subject, 'message'));
  for (const r of catalog.rpcs) addRpc(parts, r, requireOwners(r.subject, 'rpc'));

  const doc = {
    asyncapi: '3.0.0',
    info: {
      title: 'IdP event catalog',
      version: o.version ?? packageVersion(),
      description:
        'Every subject on NATS: requests `idp.rpc.<service>.<operation>.v<N>` (core request/reply, never ' +
        'stored), events `idp.<domain>.<event>.v<N>` (one envelope, kept in the `IDP_EVENTS` stream), ' +
        "jobs `idp.work.<queue>.<job>.v<N>` (one work-queue stream per queue) and the notary's seals " +
        '`idp.seal.<record>.v<N>` (stream `IDP_SEALS`). Stored messages carry an Ed25519 signature ' +
        'header by their producer. Generated from the zod ' +
        'schemas in libs/events by `pnpm asyncapi`; do not edit by hand.',
    },
    defaultContentType: 'application/json',
    servers: {
      nats: {
        host: o.host ?? 'localhost:4222',
        protocol: 'nats',
        description: 'The NATS server (with JetStream) every service connects to.',
      },
    },
    channels: parts.channels,
    operations: parts.operations,
    components: { messages: parts.messages },
  } satisfies Json;
  return sortKeys(doc) as AsyncApiDocument;
}

/**
 * The document as the text of `file` (docs/asyncapi.json), formatted by the repository's prettier
 * settings so `prettier --check .` accepts the generated file as it is.
 */
export async function renderAsyncApi(doc: AsyncApiDocument, file: string): Promise<string> {
  const options = (await resolveConfig(file)) ?? {};
  return format(JSON.stringify(doc), { ...options, filepath: file });
}
