import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { Option, type Command } from 'commander';
import { buildTrustFile, formatReport, parseTrust, verifyAuditLog } from '@idp/audit';
import { EVENTS_STREAM, SEALS_STREAM } from '@idp/events';
import type { CliContext } from '../context.js';
import { CliError, EXIT } from '../errors.js';

const DEFAULT_TRUST = 'var/audit-trust.json';

const message = (err: unknown) =>
  err instanceof Error ? ((err as NodeJS.ErrnoException).code ?? err.message) : String(err);

/**
 * `idp audit trust|verify`: tamper evidence for the audit log. `trust` collects the services' public
 * keys into the file auditors keep; `verify` checks every signature and checkpoint against it.
 */
export function registerAuditVerifyCommands(audit: Command, ctx: CliContext): void {
  audit
    .command('trust')
    .description(
      "Build the trust file auditors hold from the services' public event keys (<service>.pub.pem; notary.pub.pem gets the notary role).",
    )
    .option('--keys <dir>', 'directory of <service>.pub.pem files', 'var/event-keys')
    .option('--out <file>', 'where to write the trust file; - for stdout', DEFAULT_TRUST)
    .action(async (o: { keys: string; out: string }) => {
      const trust = await buildTrustFile(o.keys).catch((err: unknown) => {
        throw new CliError(`cannot read public keys in ${o.keys}: ${message(err)}`, EXIT.usage);
      });
      if (trust.keys.length === 0) throw new CliError(`no <service>.pub.pem files in ${o.keys}`, EXIT.usage);
      const text = `${JSON.stringify(trust, null, 2)}\n`;
      if (o.out === '-') ctx.out(text.trimEnd());
      else {
        await mkdir(dirname(o.out), { recursive: true });
        await writeFile(o.out, text);
        ctx.err(
          `wrote ${o.out}: ${trust.keys.map((k) => `${k.service} (${k.role}, ${k.keyId})`).join(', ')}`,
        );
      }
    });

  audit
    .command('verify')
    .description(
      'Check every event signature and every notary checkpoint; name each sequence number that is missing, altered, reordered or unsigned. Exits 0 only when the log is intact.',
    )
    .option('--trust <file>', 'trust file (pnpm idp audit trust)', DEFAULT_TRUST)
    .addOption(new Option('--format <format>', 'report format').choices(['text', 'json']).default('text'))
    .option('--events-stream <name>', 'the audit log stream', EVENTS_STREAM)
    .option('--seals-stream <name>', 'the notary checkpoint stream', SEALS_STREAM)
    .option('--workers <n>', 'worker threads for signature checks (0: none; default one per core, at most 8)')
    .addHelpText(
      'after',
      '\nExit status: 0 intact, 1 not intact (the report names each finding), 2 usage or unreadable trust file, 69 NATS unreachable.',
    )
    .action(
      async (o: {
        trust: string;
        format: 'text' | 'json';
        eventsStream: string;
        sealsStream: string;
        workers?: string;
      }) => {
        const workers = o.workers === undefined ? undefined : Number(o.workers);
        if (workers !== undefined && !(Number.isInteger(workers) && workers >= 0 && workers <= 64))
          throw new CliError(`--workers must be a whole number from 0 to 64 (got ${o.workers})`, EXIT.usage);
        let trust;
        try {
          trust = parseTrust(await readFile(o.trust, 'utf8'));
        } catch (err) {
          throw new CliError(`cannot use trust file ${o.trust}: ${message(err)}`, EXIT.usage);
        }
        if (!ctx.jetstream) throw new CliError('this command needs a JetStream connection', EXIT.internal);
        const { js, jsm } = await ctx.jetstream();
        const report = await verifyAuditLog({
          js,
          jsm,
          trust,
          eventsStream: o.eventsStream,
          sealsStream: o.sealsStream,
          ...(workers !== undefined ? { workers } : {}),
        });
        if (o.format === 'json') ctx.out(JSON.stringify(report));
        else for (const line of formatReport(report)) ctx.out(line);
        if (!report.intact)
          throw new CliError(
            `the audit log is NOT intact: ${report.findings.length} finding(s)`,
            EXIT.refused,
          );
      },
    );
}
