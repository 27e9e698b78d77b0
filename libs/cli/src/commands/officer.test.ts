import { expect } from 'chai';
import { RemoteError, type ErrorKind, type RpcDef } from '@idp/events';
import type { CliContext } from '../context.js';
import { runCli } from '../program.js';

const ID = '5d1c7e0a-8f1e-4c8a-9b51-1f0f7e2c4a11';

function fakeContext(o: { refusal?: [ErrorKind, string, string]; stdin?: string } = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const calls: { subject: string; request: Record<string, unknown> }[] = [];
  const ctx: CliContext = {
    out: (l) => out.push(l),
    err: (l) => err.push(l),
    readStdin: () => Promise.resolve(o.stdin ?? ''),
    call: <C extends RpcDef>(contract: C, request: unknown) => {
      calls.push({ subject: contract.subject, request: request as Record<string, unknown> });
      if (o.refusal) return Promise.reject(new RemoteError(...o.refusal));
      return Promise.resolve({ officerId: ID, disabled: true } as never);
    },
    natsUrl: 'nats://test:4222',
    correlationId: 'corr-1',
    jetstream: () => Promise.reject(new Error('officer commands use requests only')),
  };
  return { ctx, out, err, calls };
}

describe('cli idp officer', () => {
  it('create: sends create_officer.v1 with the given password and prints only the id on stdout', async () => {
    const f = fakeContext();
    const status = await runCli(
      [
        'officer',
        'create',
        '--email',
        'Mojca@RA.si',
        '--name',
        'Mojca Zupan',
        '--password',
        'officer password 1',
      ],
      f.ctx,
    );
    expect(status).to.equal(0);
    expect(f.out).to.deep.equal([ID]);
    expect(f.calls).to.deep.equal([
      {
        subject: 'idp.rpc.registration-authority.create_officer.v1',
        request: { email: 'Mojca@RA.si', displayName: 'Mojca Zupan', password: 'officer password 1' },
      },
    ]);
    expect(f.err.join('\n')).to.not.contain('officer password 1');
  });

  it('create: without a password generates a long random one and shows it once on stderr', async () => {
    const f = fakeContext();
    expect(await runCli(['officer', 'create', '--email', 'a@ra.si', '--name', 'A'], f.ctx)).to.equal(0);
    const sent = f.calls[0]!.request.password as string;
    expect(sent).to.match(/^[A-Za-z0-9_-]{24}$/);
    expect(f.err.filter((l) => l.includes(sent))).to.have.length(1);
    expect(f.out).to.deep.equal([ID]);
  });

  it('create: reads the password from stdin without its trailing newline', async () => {
    const f = fakeContext({ stdin: 'officer password 1\n' });
    await runCli(['officer', 'create', '--email', 'a@ra.si', '--name', 'A', '--password-stdin'], f.ctx);
    expect(f.calls[0]!.request.password).to.equal('officer password 1');
  });

  it('create: words the refusals and exits 1; a malformed e-mail is a usage error sent nowhere', async () => {
    const taken = fakeContext({ refusal: ['already_exists', 'ra.officer_exists', 'already exists'] });
    expect(await runCli(['officer', 'create', '--email', 'a@ra.si', '--name', 'A'], taken.ctx)).to.equal(1);
    expect(taken.err).to.deep.equal(['idp: an officer with e-mail a@ra.si already exists']);
    const bad = fakeContext();
    expect(await runCli(['officer', 'create', '--email', 'not-an-address', '--name', 'A'], bad.ctx)).to.equal(
      2,
    );
    expect(bad.calls).to.deep.equal([]);
  });

  it('disable: sends disable_officer.v1; an unknown officer exits 1, no service exits 69', async () => {
    const f = fakeContext();
    expect(await runCli(['officer', 'disable', '--email', 'a@ra.si'], f.ctx)).to.equal(0);
    expect(f.calls).to.deep.equal([
      { subject: 'idp.rpc.registration-authority.disable_officer.v1', request: { email: 'a@ra.si' } },
    ]);
    expect(f.out).to.deep.equal([ID]);
    const unknown = fakeContext({ refusal: ['not_found', 'ra.officer_not_found', 'no such officer'] });
    expect(await runCli(['officer', 'disable', '--email', 'x@ra.si'], unknown.ctx)).to.equal(1);
    expect(unknown.err).to.deep.equal(['idp: no officer has e-mail x@ra.si']);
    const down = fakeContext({ refusal: ['unavailable', 'rpc.no_responders', 'no responders'] });
    expect(await runCli(['officer', 'disable', '--email', 'x@ra.si'], down.ctx)).to.equal(69);
  });
});
