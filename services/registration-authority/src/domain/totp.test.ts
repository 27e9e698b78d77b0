import { expect } from 'chai';
import { checkTotp, newTotpSecret, totpCode, totpUri } from './totp.js';

// 2026-03-01T10:00:15Z: 15 s into a 30-second step.
const T0 = new Date('2026-03-01T10:00:15Z');
const STEP = Math.floor(T0.getTime() / 1000 / 30);
const at = (s: number) => new Date(T0.getTime() + s * 1000);

describe('domain/totp', () => {
  const secret = newTotpSecret();

  it('makes a 160-bit base32 secret and an otpauth URI apps read', () => {
    expect(secret).to.match(/^[A-Z2-7]{32}$/);
    const uri = new URL(totpUri({ issuer: 'SI-PASS RA', account: 'mojca@ra.example.si', secret }));
    expect(uri.protocol).to.equal('otpauth:');
    expect(uri.host).to.equal('totp');
    expect(decodeURIComponent(uri.pathname)).to.equal('/SI-PASS RA:mojca@ra.example.si');
    expect(uri.searchParams.get('secret')).to.equal(secret);
    expect(uri.searchParams.get('issuer')).to.equal('SI-PASS RA');
  });

  it('accepts the current code and gives its time step', () => {
    expect(checkTotp({ secret, code: totpCode(secret, T0), now: T0, lastUsedStep: null })).to.deep.equal({
      ok: true,
      timeStep: STEP,
    });
  });

  it('accepts a code one step old or one step ahead (drift), not two', () => {
    expect(checkTotp({ secret, code: totpCode(secret, at(-30)), now: T0, lastUsedStep: null })).to.deep.equal(
      {
        ok: true,
        timeStep: STEP - 1,
      },
    );
    expect(checkTotp({ secret, code: totpCode(secret, at(30)), now: T0, lastUsedStep: null })).to.deep.equal({
      ok: true,
      timeStep: STEP + 1,
    });
    expect(checkTotp({ secret, code: totpCode(secret, at(-60)), now: T0, lastUsedStep: null })).to.deep.equal(
      {
        ok: false,
        reason: 'wrong',
      },
    );
    expect(checkTotp({ secret, code: totpCode(secret, at(60)), now: T0, lastUsedStep: null })).to.deep.equal({
      ok: false,
      reason: 'wrong',
    });
  });

  it('refuses a right code whose time step was already used (replay), and any older one', () => {
    const code = totpCode(secret, T0);
    expect(checkTotp({ secret, code, now: at(5), lastUsedStep: STEP })).to.deep.equal({
      ok: false,
      reason: 'reused',
    });
    const previous = totpCode(secret, at(-30));
    expect(checkTotp({ secret, code: previous, now: T0, lastUsedStep: STEP })).to.deep.equal({
      ok: false,
      reason: 'reused',
    });
    // The next step's code is fine after the current one was used.
    expect(
      checkTotp({ secret, code: totpCode(secret, at(30)), now: at(30), lastUsedStep: STEP }),
    ).to.deep.equal({
      ok: true,
      timeStep: STEP + 1,
    });
  });

  it('refuses a code of another secret, and anything that is not six digits', () => {
    const other = newTotpSecret();
    const wrong = checkTotp({ secret, code: totpCode(other, T0), now: T0, lastUsedStep: null });
    // One in a million the codes coincide; then the test says so plainly rather than flaking.
    if (totpCode(other, T0) !== totpCode(secret, T0))
      expect(wrong).to.deep.equal({ ok: false, reason: 'wrong' });
    for (const code of ['', '12345', '1234567', 'abcdef'])
      expect(checkTotp({ secret, code, now: T0, lastUsedStep: null })).to.deep.equal({
        ok: false,
        reason: 'malformed',
      });
  });

  it('ignores spaces typed into the code', () => {
    const code = totpCode(secret, T0);
    expect(
      checkTotp({ secret, code: `${code.slice(0, 3)} ${code.slice(3)}`, now: T0, lastUsedStep: null }).ok,
    ).to.be.true;
  });
});
