import { randomBytes } from 'node:crypto';
import type { Command } from 'commander';
import { raRpc, type DomainError, type ErrorCode } from '@idp/events';
import type { CliContext } from '../context.js';
import { CliError, EXIT, toCliError } from '../errors.js';

interface CreateOptions {
  email: string;
  name: string;
  password?: string;
  passwordStdin?: boolean;
}

/** 18 random bytes: 24 characters of base64url, well above the 12 the service asks for. */
const generatePassword = (): string => randomBytes(18).toString('base64url');

function describe(o: { email: string }, e: DomainError): string | undefined {
  const messages: Partial<Record<ErrorCode, () => string>> = {
    'ra.officer_exists': () => `an officer with e-mail ${o.email} already exists`,
    'ra.officer_not_found': () => `no officer has e-mail ${o.email}`,
    'ra.weak_password': () => `the password ${e.message}`,
  };
  return messages[e.code]?.();
}

async function createOfficer(o: CreateOptions, ctx: CliContext): Promise<void> {
  if (o.password !== undefined && o.passwordStdin) {
    throw new CliError('give either --password or --password-stdin, not both', EXIT.usage);
  }
  // One trailing newline is what `echo` and here-strings add; it is not part of the password.
  const given = o.passwordStdin ? (await ctx.readStdin()).replace(/\r?\n$/, '') : o.password;
  const password = given ?? generatePassword();
  const request = { email: o.email, displayName: o.name, password };
  const parsed = raRpc.createOfficer.request.safeParse(request);
  if (!parsed.success) {
    const field = parsed.error.issues[0]?.path[0];
    throw new CliError(
      field === 'email' ? '--email is not an e-mail address' : '--name must be 1 to 100 characters',
      EXIT.usage,
    );
  }
  try {
    const { officerId } = await ctx.call(raRpc.createOfficer, request);
    ctx.out(officerId);
    if (given === undefined) {
      // Shown once and stored nowhere in clear: the operator hands it to the officer.
      ctx.err(`initial password (shown only now): ${password}`);
    }
    ctx.err('the officer enrols an authenticator app (QR code) at the first console login');
  } catch (err) {
    throw toCliError(err, ctx, 'registration-authority', (e) => describe(o, e));
  }
}

async function disableOfficer(o: { email: string }, ctx: CliContext): Promise<void> {
  if (!raRpc.disableOfficer.request.safeParse(o).success) {
    throw new CliError('--email is not an e-mail address', EXIT.usage);
  }
  try {
    const { officerId } = await ctx.call(raRpc.disableOfficer, { email: o.email });
    ctx.out(officerId);
    ctx.err('disabled; the officer’s console sessions have ended');
  } catch (err) {
    throw toCliError(err, ctx, 'registration-authority', (e) => describe(o, e));
  }
}

/** `idp officer …`: registration-authority officers, through the registration-authority service. */
export function registerOfficerCommands(program: Command, ctx: CliContext): void {
  const officer = program
    .command('officer')
    .description('registration-authority officers (asks the registration-authority service over NATS)');

  officer
    .command('create')
    .summary('create an officer account; prints its id (and a generated password, once)')
    .description(
      'Create an officer of the registration authority and print its id on stdout. Without ' +
        '--password or --password-stdin a random initial password is generated and shown once on ' +
        'stderr. At the first login the officer enrols an authenticator app by QR code.',
    )
    .requiredOption('--email <address>', 'the officer’s e-mail address, the login name (stored lower-case)')
    .requiredOption('--name <name>', 'the name the console shows')
    .option('--password <password>', 'the initial password, 12 characters or more (prefer --password-stdin)')
    .option('--password-stdin', 'read the initial password from standard input')
    .addHelpText(
      'after',
      '\nExample:\n  pnpm -s idp officer create --email mojca.zupan@upravna-enota.si --name "Mojca Zupan"',
    )
    .action((o: CreateOptions) => createOfficer(o, ctx));

  officer
    .command('disable')
    .summary('disable an officer account and end its sessions')
    .requiredOption('--email <address>', 'the officer’s e-mail address')
    .action((o: { email: string }) => disableOfficer(o, ctx));
}
