import { userInfo } from 'node:os';
import { Argument, Option, type Command } from 'commander';
import { activationRpc } from '@idp/events';
import type { CliContext } from '../context.js';
import { CliError, EXIT, toCliError } from '../errors.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Who marks a letter, for the audit event: --by, else the login name. */
function operator(by: string | undefined): string {
  if (by) return by;
  try {
    return userInfo().username || 'operator';
  } catch {
    return 'operator';
  }
}

/** `idp letters …`: the postal print queue of activation letters, through the activation service. */
export function registerLettersCommands(program: Command, ctx: CliContext): void {
  const letters = program
    .command('letters')
    .description('smsPASS activation letters in the print queue (asks the activation service over NATS)');

  letters
    .command('list')
    .description(
      'List letters, oldest first, one per line: id, state, request number, created, printed, posted, PDF path.',
    )
    .addOption(
      new Option('--state <state>', 'only letters in this state').choices(['queued', 'printed', 'posted']),
    )
    .action(async (o: { state?: 'queued' | 'printed' | 'posted' }) => {
      try {
        const { letters: found } = await ctx.call(
          activationRpc.listLetters,
          o.state ? { state: o.state } : {},
        );
        for (const l of found) {
          ctx.out(
            [
              l.letterId,
              l.state,
              l.requestNumber,
              l.createdAt,
              l.printedAt ?? '-',
              l.postedAt ?? '-',
              l.pdfPath,
            ].join('\t'),
          );
        }
        if (found.length === 0) ctx.err(o.state ? `no ${o.state} letters` : 'no letters');
      } catch (err) {
        throw toCliError(err, ctx, 'activation');
      }
    });

  letters
    .command('mark')
    .description(
      'Mark a letter printed or posted (queued → printed → posted; posting a queued letter is allowed).',
    )
    .argument('<letterId>', 'the letter id, as `letters list` prints it')
    .addArgument(new Argument('<state>', 'the new state').choices(['printed', 'posted']))
    .option('--by <name>', 'who did it (default: your login name)')
    .action(async (letterId: string, state: 'printed' | 'posted', o: { by?: string }) => {
      if (!UUID.test(letterId)) throw new CliError(`${letterId} is not a letter id`, EXIT.usage);
      try {
        const l = await ctx.call(activationRpc.markLetter, { letterId, state, by: operator(o.by) });
        ctx.out(`${l.letterId}\t${l.state}\t${l.requestNumber}`);
      } catch (err) {
        throw toCliError(err, ctx, 'activation', (e) =>
          e.code === 'activation.letter_not_found'
            ? `no letter ${letterId}`
            : e.code === 'activation.invalid_transition'
              ? `letter ${letterId}: ${e.message}`
              : undefined,
        );
      }
    });
}
