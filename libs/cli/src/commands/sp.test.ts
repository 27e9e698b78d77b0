import { expect } from 'chai';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadRegistryDir } from '@idp/saml';
import type { CliContext } from '../context.js';
import { runCli } from '../program.js';

const metadata = (
  acs: string,
) => `<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="https://edavki.example.si/sp">
  <md:SPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
    <md:AssertionConsumerService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="${acs}" index="0"/>
  </md:SPSSODescriptor>
</md:EntityDescriptor>`;

describe('cli idp sp', () => {
  let dir: string;
  let out: string[];
  let err: string[];
  const ctx = (): CliContext => ({
    out: (l) => out.push(l),
    err: (l) => err.push(l),
    readStdin: () => Promise.resolve(''),
    call: () => Promise.reject(new Error('sp commands make no NATS calls')),
    jetstream: () => Promise.reject(new Error('not used by these commands')),
    natsUrl: 'nats://unused',
    correlationId: 'test',
  });
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'idp-cli-sp-'));
    process.env.SP_REGISTRY_DIR = join(dir, 'registry');
    out = [];
    err = [];
  });
  afterEach(() => {
    delete process.env.SP_REGISTRY_DIR;
    rmSync(dir, { recursive: true, force: true });
  });

  it('registers an SP with its policy, lists it and removes it', async () => {
    writeFileSync(join(dir, 'md.xml'), metadata('https://edavki.example.si/acs'));
    const add = [
      'sp',
      'add',
      join(dir, 'md.xml'),
      '--attributes',
      'given_name,tax_number',
      '--sign-response',
      '--min-loa',
      'low',
      '--methods',
      'password,password_sms',
    ];
    expect(await runCli(add, ctx())).to.equal(0);
    expect(out).to.deep.equal(['https://edavki.example.si/sp']);
    const { sps } = await loadRegistryDir(join(dir, 'registry'));
    expect(sps[0]!.policy).to.deep.include({
      signResponse: true,
      minLoa: 'low',
      attributes: ['given_name', 'tax_number'],
      allowedMethods: ['password', 'password_sms'],
    });
    out = [];
    expect(await runCli(['sp', 'list'], ctx())).to.equal(0);
    expect(out[0]).to.match(/^https:\/\/edavki\.example\.si\/sp\tmin low/);
    expect(await runCli(['sp', 'remove', 'https://edavki.example.si/sp'], ctx())).to.equal(0);
    expect(await runCli(['sp', 'remove', 'https://edavki.example.si/sp'], ctx())).to.equal(1);
  });

  it('refuses invalid metadata with every problem, and an unknown attribute as a usage error', async () => {
    writeFileSync(join(dir, 'bad.xml'), metadata('http://evil.example/acs'));
    expect(await runCli(['sp', 'add', join(dir, 'bad.xml')], ctx())).to.equal(1);
    expect(err.join('\n')).to.contain('must use https');
    writeFileSync(join(dir, 'md.xml'), metadata('https://edavki.example.si/acs'));
    expect(await runCli(['sp', 'add', join(dir, 'md.xml'), '--attributes', 'shoe_size'], ctx())).to.equal(2);
    expect((await loadRegistryDir(join(dir, 'registry'))).sps).to.have.length(0);
  });
});
