import { Command, CommanderError } from 'commander';
import { registerAccountCommands } from './commands/account.js';
import { registerAuditCommands } from './commands/audit.js';
import { registerOfficerCommands } from './commands/officer.js';
import { registerLettersCommands } from './commands/letters.js';
import { registerSpCommands } from './commands/sp.js';
import type { CliContext } from './context.js';
import { EXIT, toCliError } from './errors.js';

/**
 * Command groups, one file each under `commands/`. A new group (`sp`, `letters`, `audit`, …) is a
 * `register…Commands(program, ctx)` function added here.
 */
const GROUPS: ((program: Command, ctx: CliContext) => void)[] = [
  registerAccountCommands,
  registerSpCommands,
  registerAuditCommands,
  registerOfficerCommands,
  registerLettersCommands,
];

/** The `idp` program with every group registered; parsing never exits the process. */
export function createProgram(ctx: CliContext): Command {
  const program = new Command('idp')
    .description('Operator commands for the identity provider. They talk to the running services over NATS.')
    .addHelpText(
      'after',
      '\nEnvironment:\n' +
        '  NATS_URL                  NATS server(s), comma-separated (default nats://127.0.0.1:4222)\n' +
        '  NATS_REQUEST_TIMEOUT_MS   how long to wait for a service (default 10000)\n' +
        '\nExit status: 0 done, 1 refused by the service (audit: events that do not fit their schema), 2 usage error,\n' +
        '69 service or NATS unreachable, 70 internal error.',
    )
    .showHelpAfterError('(add --help for usage)')
    .configureOutput({
      writeOut: (s) => ctx.out(s.replace(/\n$/, '')),
      writeErr: (s) => ctx.err(s.replace(/\n$/, '')),
    });
  for (const register of GROUPS) register(program, ctx);
  // Every command, groups included, throws instead of exiting, so runCli decides the status.
  const exitOverride = (c: Command) => {
    c.exitOverride();
    c.commands.forEach(exitOverride);
  };
  exitOverride(program);
  return program;
}

/** Runs one invocation (`argv` without node and script) and returns the exit status. */
export async function runCli(argv: readonly string[], ctx: CliContext): Promise<number> {
  const program = createProgram(ctx);
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return EXIT.ok;
  } catch (err) {
    if (err instanceof CommanderError) {
      // Help and version are "errors" to commander; commander has already printed the message.
      return err.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    const e = toCliError(err, ctx, 'requested');
    ctx.err(`idp: ${e.message}`);
    return e.exitCode;
  }
}
