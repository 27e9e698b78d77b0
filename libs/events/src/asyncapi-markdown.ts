import { fileURLToPath } from 'node:url';
import { format, resolveConfig } from 'prettier';
import type { AsyncApiDocument } from './asyncapi.js';

/** Where `pnpm asyncapi` writes the readable page, next to docs/asyncapi.json. */
export const EVENT_CATALOG_PAGE = fileURLToPath(new URL('../../../docs/event-catalog.md', import.meta.url));

/** The page as committed: rendered, then formatted like every Markdown file of the repository. */
export async function renderEventCatalogPage(
  doc: AsyncApiDocument,
  file = EVENT_CATALOG_PAGE,
): Promise<string> {
  const options = (await resolveConfig(file)) ?? {};
  return format(renderEventCatalogMarkdown(doc), { ...options, filepath: file });
}

type Schema = {
  type?: string | string[];
  enum?: unknown[];
  format?: string;
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  anyOf?: Schema[];
  oneOf?: Schema[];
  description?: string;
  $ref?: string;
  const?: unknown;
};
type Channel = {
  address: string;
  summary?: string;
  messages?: Record<string, { $ref: string }>;
  'x-kind'?: string;
  'x-producers'?: string[];
  'x-consumers'?: string[];
  'x-answered-by'?: string;
  'x-callers'?: string[];
};

const KIND_TITLES: [string, string, string][] = [
  ['event', 'Events', 'Facts, stored in the JetStream stream `IDP_EVENTS` (the audit log).'],
  [
    'job',
    'Work-queue jobs',
    'One work-queue stream per queue; a job is removed once a worker acknowledges it.',
  ],
  [
    'rpc',
    'Requests',
    'Core NATS request/reply in a queue group named after the answering service; never stored.',
  ],
  ['seal', 'Notary checkpoints', 'Stored in the JetStream stream `IDP_SEALS`.'],
];

const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

function typeOf(s: Schema | undefined): string {
  if (!s) return '';
  if (s.const !== undefined) return `\`${JSON.stringify(s.const)}\``;
  if (s.enum) return s.enum.map((e) => `\`${String(e)}\``).join(', ');
  const alternatives = s.anyOf ?? s.oneOf;
  if (alternatives) return alternatives.map(typeOf).join(' or ');
  if (s.type === 'array') return `${typeOf(s.items) || 'any'}[]`;
  const t = Array.isArray(s.type) ? s.type.join(' or ') : (s.type ?? (s.properties ? 'object' : 'any'));
  return s.format ? `${t} (${s.format})` : t;
}

/** One row per field, nested objects flattened as `a.b`. */
function fieldRows(s: Schema | undefined, prefix = ''): string[] {
  if (!s?.properties) return [];
  const required = new Set(s.required ?? []);
  return Object.entries(s.properties).flatMap(([name, f]) => {
    const path = `${prefix}${name}`;
    const row = `| \`${path}\` | ${cell(typeOf(f))} | ${required.has(name) ? 'yes' : ''} | ${cell(f.description ?? '')} |`;
    return [row, ...(f.properties ? fieldRows(f, `${path}.`) : [])];
  });
}

function table(s: Schema | undefined): string[] {
  const rows = fieldRows(s);
  if (rows.length === 0) return ['No fields.', ''];
  return ['| field | type | required | notes |', '| --- | --- | --- | --- |', ...rows, ''];
}

/**
 * The readable form of the AsyncAPI document: every subject with who produces and consumes it and
 * its payload fields. Generated, never edited by hand: `pnpm asyncapi` rewrites it with the JSON.
 */
export function renderEventCatalogMarkdown(doc: AsyncApiDocument): string {
  const channels = Object.values(doc.channels as Record<string, Channel>);
  const messages = (doc.components as { messages: Record<string, { payload?: Schema }> }).messages;
  const payloadOf = (ref: string | undefined) =>
    ref ? messages[ref.split('/').at(-1)!]?.payload : undefined;
  const out = [
    '# Event catalog',
    '',
    'Generated from the zod schemas in `libs/events` by `pnpm asyncapi` (with [asyncapi.json](asyncapi.json)); do not edit.',
    'Every event and job travels in the same envelope (`id`, `subject`, `occurredAt`, `producer`, `aggregate`,',
    '`actor`, `correlationId`, `causationId`, `data`); the tables list the fields of `data`.',
    '',
  ];
  for (const [kind, title, intro] of KIND_TITLES) {
    const of = channels
      .filter((c) => c['x-kind'] === kind)
      .sort((a, b) => a.address.localeCompare(b.address));
    if (of.length === 0) continue;
    out.push(`## ${title}`, '', intro, '');
    for (const c of of) {
      out.push(`### \`${c.address}\``, '');
      if (c.summary) out.push(c.summary, '');
      if (kind === 'rpc') {
        out.push(
          `Answered by **${c['x-answered-by'] ?? '?'}**; called by ${(c['x-callers'] ?? []).join(', ') || 'nobody yet'}.`,
          '',
          'Request:',
          '',
          ...table(payloadOf(c.messages?.request?.$ref)),
        );
        const reply =
          messages[
            `${(c.messages?.request?.$ref ?? '')
              .split('/')
              .at(-1)!
              .replace(/__request$/, '')}__reply`
          ];
        // The reply is `{ ok: true, data }` or a typed error (the same for every request): show `data`.
        const ok = reply?.payload?.oneOf?.find((o) => o.properties?.ok?.const === true);
        if (reply)
          out.push(
            'Reply (`data` of `{ ok: true, data }`; failures are `{ ok: false, error: { kind, code, message } }`):',
            '',
            ...table(ok?.properties?.data ?? reply.payload),
          );
      } else {
        out.push(
          `Produced by ${(c['x-producers'] ?? []).join(', ') || 'nobody yet'}; consumed by ${(c['x-consumers'] ?? []).join(', ') || 'none yet'}.`,
          '',
        );
        const ref = Object.values(c.messages ?? {})[0]?.$ref;
        const payload = payloadOf(ref);
        out.push(...table(kind === 'seal' ? payload : payload?.properties?.data));
      }
    }
  }
  return `${out.join('\n').trimEnd()}\n`;
}
