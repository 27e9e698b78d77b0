import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { configuredOrDevelopmentSecret, optionalSecret } from './dev-secret.js';

describe('configuredOrDevelopmentSecret', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'dev-secret-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('returns the configured secret and writes and says nothing', async () => {
    const warnings: string[] = [];
    const file = join(dir, 'secrets.json');
    const v = await configuredOrDevelopmentSecret('configured-secret', {
      file,
      name: 'X_KEY',
      warn: (_f, m) => warnings.push(m),
    });
    expect(v).to.equal('configured-secret');
    expect(warnings).to.deep.equal([]);
    expect(() => statSync(file)).to.throw();
  });

  it('without one, generates a development secret once (0600), shares it, and warns by name', async () => {
    const warnings: { fields: Record<string, unknown>; msg: string }[] = [];
    const file = join(dir, 'var', 'secrets.json');
    const o = {
      file,
      name: 'X_KEY',
      note: 'shared with y',
      warn: (fields: Record<string, unknown>, msg: string) => warnings.push({ fields, msg }),
    };
    const first = await configuredOrDevelopmentSecret(undefined, o);
    const second = await configuredOrDevelopmentSecret('', o);
    expect(first).to.have.length.of.at.least(32);
    expect(second).to.equal(first);
    expect(JSON.parse(readFileSync(file, 'utf8'))).to.deep.equal({ X_KEY: first });
    expect(statSync(file).mode & 0o777).to.equal(0o600);
    expect(warnings.map((w) => w.fields.created)).to.deep.equal([true, false]);
    expect(warnings[0]!.msg).to.equal(
      'X_KEY is not set: using a DEVELOPMENT key shared with y; production requires X_KEY',
    );
  });
});

describe('optionalSecret', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'optional-secret-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('leaves an unset secret unset outside development, and generates a shared one in development', async () => {
    const file = join(dir, 'secrets.json');
    const o = { file, name: 'Y_KEY', warn: () => undefined };
    expect(await optionalSecret('production', undefined, o)).to.equal(undefined);
    expect(await optionalSecret('test', 'set-secret', o)).to.equal('set-secret');
    expect(() => statSync(file)).to.throw();
    const generated = await optionalSecret('development', undefined, o);
    expect(generated).to.have.length.of.at.least(32);
    expect(await optionalSecret('development', undefined, o)).to.equal(generated);
  });
});
