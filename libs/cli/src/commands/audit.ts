import { Option, type Command } from 'commander';
import {
  applyEvent,
  collectTimeline,
  formatStatsTable,
  formatTimelineTable,
  initialStats,
  isValidSubjectPattern,
  jsonLine,
  parseSeq,
  parseSince,
  problemLine,
  replay,
  statsView,
  tableHeader,
  tableRow,
  type EventFilter,
  type OutputFormat,
  type ReplayedEvent,
  type ReplayStart,
  type StatsPeriod,
} from '@idp/audit';
import { JetStreamApiCodes } from '@nats-io/jetstream';
import {
  EVENTS_STREAM,
  accountsRpc,
  encryptedFields,
  isApiError,
  type Envelope,
  type NatsConnection,
} from '@idp/events';
import type { CliContext } from '../context.js';
import { CliError, EXIT } from '../errors.js';
import { registerAuditDiscloseCommands } from './audit-disclose.js';
import { registerAuditVerifyCommands } from './audit-verify.js';

interface CommonOptions {
  stream: string;
  since?: string;
  seq?: string;
  format?: OutputFormat;
  allowInvalid: boolean;
}

interface ReplayCliOptions extends CommonOptions {
  subject: string[];
  account?: string;
  eservice?: string;
  correlation?: string;
  follow: boolean;
}

const EXIT_STATUS_HELP = `
Exit status: 0 done (also after Ctrl-C with --follow), 1 some events do not fit their schema (each
is reported on stderr with its sequence and the failing fields; --allow-invalid makes this 0),
2 usage error, 69 NATS or the stream cannot be reached.`;

const START_HELP = `
--since takes an RFC 3339 time (2026-11-01T00:00:00Z, 2026-11-01T01:00:00+01:00), a date
(2026-11-01, midnight UTC) or a duration back from now (30s, 10m, 2h, 7d, 1h30m). It selects by
the time the server stored the event. --seq starts at a stream sequence. Without either the
replay starts at the beginning of the log.`;

function start(o: CommonOptions, ctx: CliContext): ReplayStart {
  if (o.since !== undefined && o.seq !== undefined)
    throw new CliError('give either --since or --seq, not both', EXIT.usage);
  try {
    if (o.since !== undefined) return { kind: 'time', time: parseSince(o.since, ctx.now?.() ?? new Date()) };
    if (o.seq !== undefined) return { kind: 'seq', seq: parseSeq(o.seq) };
  } catch (err) {
    throw new CliError((err as Error).message, EXIT.usage);
  }
  return { kind: 'beginning' };
}

const formatOf = (o: CommonOptions, ctx: CliContext): OutputFormat =>
  o.format ?? (ctx.isTTY ? 'table' : 'json');

async function connection(ctx: CliContext): Promise<NatsConnection> {
  if (!ctx.nats) throw new CliError('this command needs a NATS connection', EXIT.internal);
  return ctx.nats();
}

/** Stream-level failures in the operator's words; anything else goes to the common mapper. */
function streamError(err: unknown, stream: string, ctx: CliContext): unknown {
  if (
    isApiError(err, JetStreamApiCodes.StreamNotFound) ||
    (err instanceof Error && /stream not found/i.test(err.message))
  )
    return new CliError(
      `no stream ${stream} on NATS at ${ctx.natsUrl} (is this the right server, and --stream?)`,
      EXIT.unavailable,
    );
  if (err instanceof Error && /jetstream not enabled|no responders/i.test(err.message))
    return new CliError(
      `JetStream does not answer on NATS at ${ctx.natsUrl}: ${err.message}`,
      EXIT.unavailable,
    );
  return err;
}

/** Reports misfits on stderr as they come, and decides the exit status at the end. */
function misfitReporter(ctx: CliContext, allowInvalid: boolean) {
  let count = 0;
  return {
    see(e: ReplayedEvent) {
      if (!e.problem) return;
      count++;
      ctx.err(problemLine(e));
    },
    get count() {
      return count;
    },
    finish(what: string) {
      if (count === 0) return;
      const msg = `${count} ${count === 1 ? 'event does' : 'events do'} not fit ${count === 1 ? 'its' : 'their'} schema (${what})`;
      if (allowInvalid) ctx.err(`${msg}; allowed by --allow-invalid`);
      else throw new CliError(msg, EXIT.refused);
    },
  };
}

/** Runs `body` with Ctrl-C wired to `abort`; returns whether the user interrupted. */
async function interruptible(
  ctx: CliContext,
  body: (signal: AbortSignal) => Promise<void>,
): Promise<boolean> {
  const ac = new AbortController();
  const off = ctx.onInterrupt?.(() => ac.abort()) ?? (() => undefined);
  try {
    await body(ac.signal);
  } finally {
    off();
  }
  return ac.signal.aborted;
}

export async function auditReplay(o: ReplayCliOptions, ctx: CliContext): Promise<void> {
  const bad = o.subject.find((s) => !isValidSubjectPattern(s));
  if (bad !== undefined)
    throw new CliError(`--subject ${JSON.stringify(bad)} is not a NATS subject pattern`, EXIT.usage);
  const filter: EventFilter = {
    ...(o.subject.length ? { subjects: o.subject } : {}),
    ...(o.account ? { account: o.account } : {}),
    ...(o.eservice ? { eservice: o.eservice } : {}),
    ...(o.correlation ? { correlationId: o.correlation } : {}),
  };
  const from = start(o, ctx);
  const format = formatOf(o, ctx);
  const nc = await connection(ctx);
  const misfits = misfitReporter(ctx, o.allowInvalid);
  const keys = erasedKeyLookup(ctx);
  let delivered = 0;
  let lastSeq = 0;
  const interrupted = await interruptible(ctx, async (signal) => {
    if (format === 'table') ctx.out(tableHeader());
    try {
      for await (const e of replay(nc, { stream: o.stream, start: from, filter, follow: o.follow, signal })) {
        delivered++;
        lastSeq = e.seq;
        misfits.see(e);
        if (format === 'table' && e.envelope) await keys.learn(e.envelope);
        ctx.out(format === 'table' ? tableRow(e, keys.erased) : jsonLine(e));
      }
    } catch (err) {
      throw streamError(err, o.stream, ctx);
    }
  });
  ctx.err(
    `${delivered} ${delivered === 1 ? 'event' : 'events'}${lastSeq ? ` up to seq ${lastSeq}` : ''} from ${o.stream}` +
      (interrupted ? ' (interrupted)' : ''),
  );
  misfits.finish('see above');
}

export async function auditTimeline(o: CommonOptions & { account: string }, ctx: CliContext): Promise<void> {
  const from = start(o, ctx);
  const format = formatOf(o, ctx);
  const nc = await connection(ctx);
  const misfits = misfitReporter(ctx, o.allowInvalid);
  let result: Awaited<ReturnType<typeof collectTimeline>> | undefined;
  await interruptible(ctx, async (signal) => {
    try {
      result = await collectTimeline(nc, o.account, { stream: o.stream, start: from, signal });
    } catch (err) {
      throw streamError(err, o.stream, ctx);
    }
  });
  if (!result) return;
  for (const m of result.misfits) misfits.see(m);
  if (format === 'json') ctx.out(JSON.stringify(result.timeline));
  else for (const line of formatTimelineTable(result.timeline)) ctx.out(line);
  if (result.timeline.entries.length === 0) ctx.err(`no events of account ${o.account} in ${o.stream}`);
  misfits.finish('see above');
}

export async function auditStats(o: CommonOptions & { period: StatsPeriod }, ctx: CliContext): Promise<void> {
  const from = start(o, ctx);
  const format = formatOf(o, ctx);
  const nc = await connection(ctx);
  const misfits = misfitReporter(ctx, o.allowInvalid);
  const state = initialStats();
  const interrupted = await interruptible(ctx, async (signal) => {
    try {
      for await (const e of replay(nc, { stream: o.stream, start: from, signal })) {
        // A misfit is reported and left out: the projection counts only events that fit their schema.
        if (e.problem) misfits.see(e);
        else applyEvent(state, e.envelope!);
      }
    } catch (err) {
      throw streamError(err, o.stream, ctx);
    }
  });
  if (interrupted) throw new CliError('interrupted: no statistics printed', 130);
  const view = statsView(state, o.period);
  if (format === 'json') ctx.out(JSON.stringify(view));
  else for (const line of formatStatsTable(view)) ctx.out(line);
  misfits.finish('left out of the statistics');
}

const streamOption = () =>
  new Option('--stream <name>', 'the audit stream (a test or copy may have its own)').default(EVENTS_STREAM);
const formatOption = () =>
  new Option(
    '--format <format>',
    'json (one object per line) or table; default table on a terminal, json otherwise',
  ).choices(['json', 'table']);
const collect = (v: string, prev: string[]) => [...prev, v];

/**
 * Which person data keys are destroyed, asked of accounts once per key as the table meets them, so an
 * erased person's fields show as `[erased]`. Without accounts the table still prints, with `[encrypted]`.
 */
function erasedKeyLookup(ctx: CliContext) {
  const erased = new Set<string>();
  const asked = new Set<string>();
  let unavailable = false;
  return {
    erased: erased as ReadonlySet<string>,
    async learn(env: Envelope): Promise<void> {
      if (unavailable) return;
      const fresh = [...new Set(encryptedFields(env.data).map((f) => f.value.kid))].filter(
        (k) => !asked.has(k),
      );
      if (fresh.length === 0) return;
      fresh.forEach((k) => asked.add(k));
      try {
        const { destroyed } = await ctx.call(accountsRpc.personKeyStatus, { keyIds: fresh });
        for (const k of destroyed) erased.add(k.keyId);
      } catch (err) {
        unavailable = true;
        ctx.err(
          `note: accounts did not say which person keys are destroyed (${err instanceof Error ? err.message : String(err)}); personal data shows as [encrypted]`,
        );
      }
    },
  };
}

export function registerAuditCommands(program: Command, ctx: CliContext): void {
  const audit = program
    .command('audit')
    .description(
      "Read and check the audit log (the JetStream stream IDP_EVENTS): replay and filter events, one account's timeline, anonymous statistics, the trust file and tamper verification. Every event is checked against its schema.",
    );
  registerAuditVerifyCommands(audit, ctx);
  registerAuditDiscloseCommands(audit, ctx);

  audit
    .command('replay')
    .description('Print events of the audit log in order, filtered, optionally following new ones.')
    .addOption(streamOption())
    .option('--since <time|duration>', 'start at a stored time or that long ago (see below)')
    .option('--seq <n>', 'start at this stream sequence')
    .option(
      '--subject <pattern>',
      'only subjects matching this NATS pattern (repeatable: any of them)',
      collect,
      [],
    )
    .option('--account <id>', 'only events about this account (aggregate id or data.accountId)')
    .option('--eservice <entityID>', 'only events naming this e-service (data.spEntityId)')
    .option('--correlation <id>', 'only events of this journey (correlation id)')
    .addOption(formatOption())
    .option('--follow', 'after the last event, keep printing new ones until Ctrl-C', false)
    .option('--allow-invalid', 'exit 0 even when events do not fit their schema', false)
    .addHelpText(
      'after',
      `${START_HELP}

Filters combine with AND; repeated --subject patterns with OR. One --subject is applied by the
server, the rest by this command. An event whose envelope cannot be read passes the account,
e-service and correlation filters, so a damaged record is never hidden.

Examples:
  idp audit replay                                   the whole log (a table on a terminal)
  idp audit replay --since 10m --follow              the last 10 minutes, then live
  idp audit replay --since 2026-11-01T00:00:00Z --subject 'idp.saml.>' --format json
  idp audit replay --seq 1200 --account 0190a1b2-…   one account from sequence 1200
  idp audit replay --eservice https://edavki.example.si/sp --subject idp.saml.assertion_issued.v1
  idp audit replay --correlation 0190a1b2-… --format table
${EXIT_STATUS_HELP}`,
    )
    .action((o: ReplayCliOptions) => auditReplay(o, ctx));

  audit
    .command('timeline')
    .description(
      "One person's history in order: registration, activation, logins per e-service, phone changes, officer actions.",
    )
    .requiredOption('--account <id>', 'the account id')
    .addOption(streamOption())
    .option('--since <time|duration>', 'only from a stored time or that long ago')
    .option('--seq <n>', 'only from this stream sequence')
    .addOption(formatOption())
    .option('--allow-invalid', 'exit 0 even when events do not fit their schema', false)
    .addHelpText(
      'after',
      `
The timeline holds the events naming the account (aggregate id or data.accountId) and every
event sharing a correlation id with one of them, unless it names another account: so the SAML
request that opened a login and the SMS of its code appear with it, and each login is counted
for its e-service. It reads the log twice (memory holds only this person's events).
${START_HELP}

Examples:
  idp audit timeline --account 0190a1b2-…
  idp audit timeline --account 0190a1b2-… --since 30d --format json
${EXIT_STATUS_HELP}`,
    )
    .action((o: CommonOptions & { account: string }) => auditTimeline(o, ctx));

  audit
    .command('stats')
    .description(
      'Anonymous statistics from the whole log: accounts, new accounts and smsPASS activations, logins per e-service with failure reasons, SMS sent and failed, user-page use. Counts only: no personal data.',
    )
    .addOption(new Option('--period <period>', 'group by').choices(['day', 'week', 'month']).default('day'))
    .addOption(streamOption())
    .option(
      '--since <time|duration>',
      'count only from a stored time or that long ago (the account total then counts only that range)',
    )
    .option('--seq <n>', 'count only from this stream sequence')
    .addOption(formatOption())
    .option(
      '--allow-invalid',
      'exit 0 even when events do not fit their schema (they are left out of the counts)',
      false,
    )
    .addHelpText(
      'after',
      `
Days are UTC days of the events' occurredAt; weeks are ISO weeks (2026-W45). Failure reasons:
rejected:<check> (AuthnRequest refused), password:<reason>, otp:<reason>, sms:failed,
saml:<reason> (the e-service got a SAML error status).
${START_HELP}

Examples:
  idp audit stats
  idp audit stats --period month --format json
  idp audit stats --since 7d --period day
${EXIT_STATUS_HELP}`,
    )
    .action((o: CommonOptions & { period: StatsPeriod }) => auditStats(o, ctx));
}
