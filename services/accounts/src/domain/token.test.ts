import { expect } from 'chai';
import { hashToken, newToken, tokenProblem } from './token.js';

const NOW = new Date('2026-03-01T10:00:00Z');
const later = (ms: number) => new Date(NOW.getTime() + ms);

describe('domain/token', () => {
  it('makes 32-byte base64url tokens and stores only their SHA-256', () => {
    const { token, hash } = newToken();
    expect(token).to.match(/^[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(token, 'base64url')).to.have.length(32);
    expect(hash).to.have.length(32);
    expect(hashToken(token).equals(hash)).to.equal(true);
    expect(newToken().token).not.to.equal(token);
  });

  it('spends a token once, before it expires, for its own purpose', () => {
    const row = { purpose: 'password_reset', usedAt: null, expiresAt: later(3_600_000) };
    expect(tokenProblem(row, 'password_reset', NOW)).to.equal(undefined);
    expect(tokenProblem(row, 'email_confirmation', NOW)).to.equal('unknown');
    expect(tokenProblem(undefined, 'password_reset', NOW)).to.equal('unknown');
    expect(tokenProblem({ ...row, usedAt: NOW }, 'password_reset', NOW)).to.equal('used');
    expect(tokenProblem(row, 'password_reset', later(3_600_000))).to.equal('expired');
    expect(tokenProblem(row, 'password_reset', later(3_599_999))).to.equal(undefined);
  });
});
