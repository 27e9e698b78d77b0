import { expect } from 'chai';
import { createSealer, deriveKey } from './seal.js';

describe('seal', () => {
  const sealer = createSealer(deriveKey('a development secret of 32+ chars!!', 'test/v1'));

  it('opens what it sealed, for the same context only', () => {
    const sealed = sealer.seal('{"to":"ana@example.si"}', 'job-1');
    expect(sealed).not.to.include('ana');
    expect(sealer.open(sealed, 'job-1')).to.equal('{"to":"ana@example.si"}');
    expect(() => sealer.open(sealed, 'job-2')).to.throw();
  });

  it('refuses another key and a tampered value', () => {
    const sealed = sealer.seal('x', 'c');
    const other = createSealer(deriveKey('a development secret of 32+ chars!!', 'other/v1'));
    expect(() => other.open(sealed, 'c')).to.throw();
    const raw = Buffer.from(sealed, 'base64url');
    raw[raw.length - 1]! ^= 1;
    expect(() => sealer.open(raw.toString('base64url'), 'c')).to.throw();
  });
});
