import { Option, type Command } from 'commander';
import { accountsRpc, type DomainError, type ErrorCode, type RpcRequest } from '@idp/events';
import type { CliContext } from '../context.js';
import { CliError, EXIT, toCliError } from '../errors.js';

type CreateRequest = RpcRequest<typeof accountsRpc.createAccount>;

interface CreateOptions {
  email: string;
  password?: string;
  passwordStdin?: boolean;
  phone?: string;
  givenName?: string;
  familyName?: string;
  taxNumber?: string;
  birthDate?: string;
  smspass: 'none' | 'active';
}

/** How each request field is spelled on the command line, for messages about it. */
const OPTION_OF: Record<keyof CreateRequest, string> = {
  email: '--email',
  password: '--password',
  givenName: '--given-name',
  familyName: '--family-name',
  taxNumber: '--tax-number',
  birthDate: '--birth-date',
  phone: '--phone',
  smsPass: '--smspass',
};

/** What a field must look like, said the way an operator reads it (the schema's own words are for developers). */
const FORMAT_OF: Partial<Record<keyof CreateRequest, string>> = {
  email: 'is not an e-mail address',
  password: 'must be 1 to 1024 characters',
  givenName: 'must be 1 to 100 characters',
  familyName: 'must be 1 to 100 characters',
  birthDate: 'must be a date written YYYY-MM-DD',
};

/** The message for each refusal `create_account.v1` can give, naming what the operator typed. */
function describeCreateError(o: CreateOptions, e: DomainError): string | undefined {
  // The service words its messages as the end of a sentence about the field ("fails its checksum").
  const messages: Partial<Record<ErrorCode, () => string>> = {
    'accounts.invalid_tax_number': () => `tax number ${o.taxNumber ?? ''} ${e.message}`,
    'accounts.tax_number_taken': () => `an account with tax number ${o.taxNumber ?? ''} already exists`,
    'accounts.email_taken': () => `an account with e-mail ${o.email} already exists`,
    'accounts.invalid_phone': () => `phone ${o.phone ?? ''} ${e.message}`,
    'accounts.phone_required': () => '--smspass active needs --phone: the phone smsPASS codes are sent to',
    'accounts.too_young': () => `birth date ${o.birthDate ?? ''}: the citizen ${e.message}`,
    'accounts.invalid_birth_date': () => `birth date ${o.birthDate ?? ''} ${e.message}`,
    'accounts.weak_password': () => `the password ${e.message}`,
  };
  return messages[e.code]?.();
}

async function readPassword(o: CreateOptions, ctx: CliContext): Promise<string> {
  if (o.password !== undefined && o.passwordStdin) {
    throw new CliError('give either --password or --password-stdin, not both', EXIT.usage);
  }
  if (o.passwordStdin) {
    // One trailing newline is what `echo` and here-strings add; it is not part of the password.
    return (await ctx.readStdin()).replace(/\r?\n$/, '');
  }
  if (o.password === undefined) throw new CliError('--password or --password-stdin is required', EXIT.usage);
  return o.password;
}

async function createAccount(o: CreateOptions, ctx: CliContext): Promise<void> {
  const request: CreateRequest = {
    email: o.email,
    password: await readPassword(o, ctx),
    smsPass: o.smspass,
    ...(o.givenName !== undefined ? { givenName: o.givenName } : {}),
    ...(o.familyName !== undefined ? { familyName: o.familyName } : {}),
    ...(o.taxNumber !== undefined ? { taxNumber: o.taxNumber } : {}),
    ...(o.birthDate !== undefined ? { birthDate: o.birthDate } : {}),
    ...(o.phone !== undefined ? { phone: o.phone } : {}),
  };
  // Checked here too, so a malformed option is reported by its name before anything is sent.
  const parsed = accountsRpc.createAccount.request.safeParse(request);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue?.path[0] as keyof CreateRequest | undefined;
    const what = field ? `${OPTION_OF[field]} ${FORMAT_OF[field] ?? issue?.message ?? ''}` : 'invalid input';
    throw new CliError(what.trim(), EXIT.usage);
  }
  try {
    const { accountId } = await ctx.call(accountsRpc.createAccount, request);
    ctx.out(accountId);
  } catch (err) {
    throw toCliError(err, ctx, 'accounts', (e) => describeCreateError(o, e));
  }
}

/** `idp account …`: citizens' accounts, through the accounts service. */
export function registerAccountCommands(program: Command, ctx: CliContext): void {
  const account = program
    .command('account')
    .description("citizens' accounts (asks the accounts service over NATS)");

  account
    .command('create')
    .summary('create a citizen account (for demos and tests); prints its id')
    .description(
      'Create a citizen account (for demos and tests) and print its id. Every rule of the service ' +
        'applies: tax-number checksum, E.164 mobile phone, age 15 or more, a password of 12 ' +
        'characters or more, an e-mail address and tax number no other account has.',
    )
    .requiredOption('--email <address>', 'e-mail address, the account name (stored lower-case)')
    .option(
      '--password <password>',
      'the password (visible in `ps` and shell history: prefer --password-stdin)',
    )
    .option('--password-stdin', 'read the password from standard input')
    .option('--phone <number>', 'mobile phone in international format, e.g. "+386 40 123 456"')
    .option('--given-name <name>', 'given name')
    .option('--family-name <name>', 'family name')
    .option('--tax-number <number>', 'Slovenian tax number (8 digits; "SI" prefix and spaces allowed)')
    .option('--birth-date <YYYY-MM-DD>', 'date of birth; the citizen must be 15 or older')
    .addOption(
      new Option('--smspass <status>', 'smsPASS status; active needs --phone, which is stored as verified')
        .choices(['none', 'active'])
        .default('none'),
    )
    .addHelpText(
      'after',
      '\nExample:\n' +
        '  pnpm idp account create --email ana.novak@example.si --password-stdin \\\n' +
        '    --given-name Ana --family-name Novak --tax-number 50223054 --birth-date 1990-05-17 \\\n' +
        "    --phone '+386 40 123 456' --smspass active <<< 'correct horse battery'",
    )
    .action((o: CreateOptions) => createAccount(o, ctx));
}
