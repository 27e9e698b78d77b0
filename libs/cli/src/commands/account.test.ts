import { expect } from 'chai';
import { RemoteError, type ErrorKind, type RpcDef } from '@idp/events';
import type { CliContext } from '../context.js';
import { runCli } from '../program.js';

const ID = '0b7c1c6e-5d0e-4f4e-9a57-3c1f0c1b2a10';

/** A context whose service answers with `reply` (or refuses with `refusal`), recording what was sent. */
function fakeContext(o: { refusal?: [ErrorKind, string, string]; stdin?: string } = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const calls: { subject: string; request: unknown }[] = [];
  const ctx: CliContext = {
    out: (l) => out.push(l),
    err: (l) => err.push(l),
    readStdin: () => Promise.resolve(o.stdin ?? ''),
    call: <C extends RpcDef>(contract: C, request: unknown) => {
      calls.push({ subject: contract.subject, request });
      if (o.refusal) return Promise.reject(new RemoteError(...o.refusal));
      return Promise.resolve({ accountId: ID } as never);
    },
    jetstream: () => Promise.reject(new Error('not used by these commands')),
    natsUrl: 'nats://test:4222',
    correlationId: 'corr-1',
  };
  return { ctx, out, err, calls };
}

const create = (...args: string[]) => ['account', 'create', '--email', 'Ana@Example.si', ...args];

describe('cli idp account create', () => {
  it('sends the request to create_account.v1 and prints only the new id', async () => {
    const f = fakeContext();
    const status = await runCli(
      create(
        '--password',
        'correct horse battery',
        '--phone',
        '+386 40 123 456',
        '--given-name',
        'Ana',
        '--family-name',
        'Novak',
        '--tax-number',
        'SI50223054',
        '--birth-date',
        '1990-05-17',
        '--smspass',
        'active',
      ),
      f.ctx,
    );
    expect(status).to.equal(0);
    expect(f.out).to.deep.equal([ID]);
    expect(f.calls).to.deep.equal([
      {
        subject: 'idp.rpc.accounts.create_account.v1',
        request: {
          email: 'Ana@Example.si',
          password: 'correct horse battery',
          smsPass: 'active',
          givenName: 'Ana',
          familyName: 'Novak',
          taxNumber: 'SI50223054',
          birthDate: '1990-05-17',
          phone: '+386 40 123 456',
        },
      },
    ]);
  });

  it('leaves out what was not given and defaults smsPASS to none', async () => {
    const f = fakeContext();
    expect(await runCli(create('--password', 'correct horse battery'), f.ctx)).to.equal(0);
    expect(f.calls[0]?.request).to.deep.equal({
      email: 'Ana@Example.si',
      password: 'correct horse battery',
      smsPass: 'none',
    });
  });

  it('reads the password from stdin without its trailing newline', async () => {
    const f = fakeContext({ stdin: 'correct horse battery\n' });
    expect(await runCli(create('--password-stdin'), f.ctx)).to.equal(0);
    expect(f.calls[0]?.request).to.include({ password: 'correct horse battery' });
  });

  it('turns each refusal into one line naming what was typed, with exit status 1', async () => {
    const cases: [string[], [ErrorKind, string, string], string][] = [
      [
        ['--tax-number', '50223055'],
        ['invalid_argument', 'accounts.invalid_tax_number', 'fails its checksum'],
        'idp: tax number 50223055 fails its checksum',
      ],
      [
        ['--tax-number', '50223054'],
        ['already_exists', 'accounts.tax_number_taken', 'already taken'],
        'idp: an account with tax number 50223054 already exists',
      ],
      [
        [],
        ['already_exists', 'accounts.email_taken', 'already taken'],
        'idp: an account with e-mail Ana@Example.si already exists',
      ],
      [
        ['--phone', '040 123 456'],
        ['invalid_argument', 'accounts.invalid_phone', 'must be in international format'],
        'idp: phone 040 123 456 must be in international format',
      ],
      [
        ['--smspass', 'active'],
        ['invalid_argument', 'accounts.phone_required', 'x'],
        'idp: --smspass active needs --phone: the phone smsPASS codes are sent to',
      ],
      [
        ['--birth-date', '2015-01-01'],
        ['invalid_argument', 'accounts.too_young', 'must be at least 15 years old'],
        'idp: birth date 2015-01-01: the citizen must be at least 15 years old',
      ],
      [
        [],
        ['invalid_argument', 'accounts.weak_password', 'must be at least 12 characters'],
        'idp: the password must be at least 12 characters',
      ],
    ];
    for (const [args, refusal, line] of cases) {
      const f = fakeContext({ refusal });
      expect(await runCli(create('--password', 'pw', ...args), f.ctx), line).to.equal(1);
      expect(f.err).to.deep.equal([line]);
      expect(f.out).to.deep.equal([]);
    }
  });

  it('says when no accounts service answers, with exit status 69', async () => {
    const f = fakeContext({ refusal: ['unavailable', 'rpc.no_responders', 'no service answers'] });
    expect(await runCli(create('--password', 'correct horse battery'), f.ctx)).to.equal(69);
    expect(f.err[0]).to.match(/no accounts service answers on NATS at nats:\/\/test:4222/);
  });

  it('refuses malformed options by name before sending anything, with exit status 2', async () => {
    const cases: [string[], RegExp][] = [
      [['--password', 'pw', '--birth-date', '17.5.1990'], /--birth-date must be a date written YYYY-MM-DD/],
      [['--password', 'pw', '--smspass', 'maybe'], /Allowed choices are none, active/],
      [[], /--password or --password-stdin is required/],
      [['--password', 'pw', '--password-stdin'], /not both/],
    ];
    for (const [args, message] of cases) {
      const f = fakeContext();
      expect(await runCli(create(...args), f.ctx), String(message)).to.equal(2);
      expect(f.err.join('\n')).to.match(message);
      expect(f.calls).to.deep.equal([]);
    }
    const f = fakeContext();
    expect(await runCli(['account', 'create', '--password', 'pw'], f.ctx)).to.equal(2);
    expect(f.err.join('\n')).to.include("required option '--email <address>' not specified");
  });
});

describe('cli idp --help', () => {
  for (const args of [
    ['--help'],
    ['account', '--help'],
    ['account', 'create', '--help'],
    ['help', 'account'],
  ]) {
    it(`prints usage for \`idp ${args.join(' ')}\` and exits 0`, async () => {
      const f = fakeContext();
      expect(await runCli(args, f.ctx)).to.equal(0);
      expect(f.out.join('\n')).to.match(/^Usage: idp/);
      expect(f.calls).to.deep.equal([]);
    });
  }

  it('exits 2 on an unknown command, suggesting the right one', async () => {
    const f = fakeContext();
    expect(await runCli(['acount'], f.ctx)).to.equal(2);
    expect(f.err.join('\n')).to.include('Did you mean account?');
  });
});
