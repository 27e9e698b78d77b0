import { readFile, writeFile } from 'node:fs/promises';
import { Option, type Command } from 'commander';
import { replay, type ReplayStart } from '@idp/audit';
import {
  EVENTS_STREAM,
  accountsRpc,
  createEventSigner,
  disclosureSigningBytes,
  encryptedFields,
  generateSigningKeyPair,
  type DomainError,
  type Envelope,
  type ErrorCode,
  type EventSigner,
} from '@idp/events';
import type { CliContext } from '../context.js';
import { CliError, EXIT, toCliError } from '../errors.js';

/** Not a sysexits(3) status: a distinct answer a script can branch on ("the value no longer exists"). */
export const EXIT_ERASED = 3;

/** Events are stored after they happen; an outbox relay may lag. Start the search this far before the id's time. */
const SEARCH_MARGIN_MS = 15 * 60_000;

interface DiscloseOptions {
  event: string;
  field: string;
  reason: string;
  auditorKey: string;
  auditorId: string;
  stream: string;
  seq?: string;
}

/** A UUIDv7 carries its creation time in the first 48 bits: where in the log to start looking. */
function startOf(eventId: string, seq: string | undefined): ReplayStart {
  if (seq !== undefined) {
    const n = Number(seq);
    if (!Number.isInteger(n) || n < 1)
      throw new CliError(`--seq must be a positive whole number (got ${seq})`, EXIT.usage);
    return { kind: 'seq', seq: n };
  }
  const hex = eventId.replace(/-/g, '');
  if (hex[12] !== '7') return { kind: 'beginning' };
  return { kind: 'time', time: new Date(parseInt(hex.slice(0, 12), 16) - SEARCH_MARGIN_MS) };
}

async function findEvent(ctx: CliContext, o: DiscloseOptions): Promise<Envelope> {
  if (!ctx.nats) throw new CliError('this command needs a NATS connection', EXIT.internal);
  const nc = await ctx.nats();
  try {
    for await (const e of replay(nc, { stream: o.stream, start: startOf(o.event, o.seq) }))
      if (e.envelope?.id === o.event) return e.envelope;
  } catch (err) {
    if (err instanceof CliError) throw err;
    throw new CliError(
      `cannot read ${o.stream} on NATS at ${ctx.natsUrl}: ${err instanceof Error ? err.message : String(err)}`,
      EXIT.unavailable,
    );
  }
  throw new CliError(`no event ${o.event} in ${o.stream}`, EXIT.refused);
}

async function auditorSigner(file: string): Promise<EventSigner> {
  try {
    return createEventSigner(await readFile(file, 'utf8'));
  } catch (err) {
    throw new CliError(
      `--auditor-key ${file} is not an Ed25519 private key (PEM): ${err instanceof Error ? err.message : String(err)}`,
      EXIT.usage,
    );
  }
}

const describe = (e: DomainError): string | undefined =>
  (
    ({
      'accounts.disclosure_unauthenticated':
        'refused: the auditor id is not on the roster, or the key does not match its public key',
      'accounts.disclosure_not_authorised': "refused: the auditor's role may not decrypt personal data",
      'accounts.disclosure_stale': 'refused: the request is more than 5 minutes off the service clock',
      'accounts.disclosure_undecryptable':
        'refused: the value does not open for this event, field and account',
    }) as Partial<Record<ErrorCode, string>>
  )[e.code];

async function disclose(o: DiscloseOptions, ctx: CliContext): Promise<void> {
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(o.event))
    throw new CliError(`--event must be an event id (a UUID), got ${JSON.stringify(o.event)}`, EXIT.usage);
  if (o.reason.trim().length < 10)
    throw new CliError('--reason must say why, in at least 10 characters', EXIT.usage);
  const signer = await auditorSigner(o.auditorKey);
  const env = await findEvent(ctx, o);
  const fields = encryptedFields(env.data);
  const found = fields.find((f) => f.field === o.field);
  if (!found)
    throw new CliError(
      `event ${o.event} (${env.subject}) has no encrypted field ${o.field}` +
        (fields.length ? `; it has: ${fields.map((f) => f.field).join(', ')}` : ''),
      EXIT.usage,
    );
  const statement = {
    auditorId: o.auditorId,
    eventId: env.id,
    subject: env.subject,
    accountId: env.aggregate.id,
    field: o.field,
    value: found.value,
    reason: o.reason.trim(),
    requestedAt: (ctx.now?.() ?? new Date()).toISOString(),
  };
  let answer;
  try {
    answer = await ctx.call(accountsRpc.disclosePersonalData, {
      eventId: statement.eventId,
      subject: statement.subject,
      accountId: statement.accountId,
      field: statement.field,
      value: statement.value,
      reason: statement.reason,
      auditor: { id: o.auditorId },
      requestedAt: statement.requestedAt,
      signature: signer.sign(disclosureSigningBytes(statement)),
    });
  } catch (err) {
    throw toCliError(err, ctx, 'accounts', describe);
  }
  if (answer.outcome === 'erased')
    throw new CliError(
      `${o.field} of event ${o.event} is erased: the person's key was destroyed at ${answer.erasedAt} (this request is recorded)`,
      EXIT_ERASED,
    );
  ctx.out(answer.value);
  ctx.err(`disclosed ${o.field} of event ${o.event}; the disclosure is recorded in the audit log`);
}

async function auditorKey(o: { out: string }, ctx: CliContext): Promise<void> {
  const pair = generateSigningKeyPair();
  try {
    // 'wx': never overwrite an existing key (an auditor's identity); 0600: only its owner reads it.
    await writeFile(o.out, pair.privateKeyPem, { flag: 'wx', mode: 0o600 });
  } catch (err) {
    throw new CliError(
      `cannot write ${o.out}: ${(err as NodeJS.ErrnoException).code ?? String(err)} (an existing key is never overwritten)`,
      EXIT.usage,
    );
  }
  ctx.out(pair.publicKeyPem.trimEnd());
  ctx.err(
    `wrote the private key to ${o.out} (keep it to yourself); give the public key above to the accounts operators for AUDITORS_FILE:\n` +
      '  { "id": "<your id>", "name": "<your name>", "role": "disclosure" | "read_only", "publicKey": "<the PEM above>" }',
  );
}

/** `idp audit disclose|auditor-key`: an auditor's signed request to see one encrypted personal-data field. */
export function registerAuditDiscloseCommands(audit: Command, ctx: CliContext): void {
  audit
    .command('disclose')
    .description(
      'Ask accounts to decrypt one personal-data field of an event, for a stated reason; signed with your auditor key. The request (never the value) is itself recorded as an event.',
    )
    .requiredOption('--event <id>', 'the event id (envelope id) holding the field')
    .requiredOption('--field <name>', 'the field, e.g. family_name, given_name, address')
    .requiredOption('--reason <text>', 'why you need the value (at least 10 characters; recorded)')
    .requiredOption('--auditor-key <file>', 'your Ed25519 private key (PEM), from `idp audit auditor-key`')
    .requiredOption('--auditor-id <id>', 'your id in the accounts service auditor roster')
    .addOption(new Option('--stream <name>', 'the audit stream').default(EVENTS_STREAM))
    .option('--seq <n>', 'start looking for the event at this stream sequence (default: near the id’s time)')
    .addHelpText(
      'after',
      `
Prints the clear value on stdout. Only auditors with role "disclosure" in the roster get an answer.

Exit status: 0 disclosed, 1 refused (not on the roster, wrong key, role read_only, more than 5 minutes
off the service clock, or the event is not in the log), 2 usage error (also: the event has no such
encrypted field, or the key file is unusable), 3 erased (the person's key was destroyed: the value is
gone for good; the rest of the event and its signature still verify), 69 NATS or accounts unreachable.

Example:
  idp audit disclose --event 0190a1b2-… --field family_name \\
    --reason "surname correction dispute, case 2026/17" --auditor-key ~/.idp/auditor.pem --auditor-id ana@revizija.si`,
    )
    .action((o: DiscloseOptions) => disclose(o, ctx));

  audit
    .command('auditor-key')
    .description(
      'Generate an auditor key pair: the private key goes to --out (never overwritten), the public key is printed for the roster.',
    )
    .requiredOption('--out <file>', 'where to write the private key (PEM, mode 0600)')
    .addHelpText('after', '\nExit status: 0 written, 2 the file exists or cannot be written.')
    .action((o: { out: string }) => auditorKey(o, ctx));
}
