import { expect } from 'chai';
import { ConfigError, commonConfig, envBool, loadConfig, redactConfig, secret, z } from './index.js';

const Schema = commonConfig.extend({
  TTL_SECONDS: z.coerce.number().int().min(30).default(300),
  HMAC_KEY: secret(z.string().min(32)),
  DRY_RUN: envBool.default(false),
});

describe('config loadConfig()', () => {
  it('lists every problem at once and never echoes a secret value', () => {
    try {
      loadConfig(Schema, { ADMIN_PORT: 'x', TTL_SECONDS: '5', HMAC_KEY: 'short-secret-value' });
      expect.fail('expected ConfigError');
    } catch (err) {
      expect(err).to.be.instanceOf(ConfigError);
      const problems = (err as ConfigError).problems;
      expect(problems.map((p) => p.split(':')[0])).to.have.members(['ADMIN_PORT', 'TTL_SECONDS', 'HMAC_KEY']);
      expect((err as Error).message).not.to.contain('short-secret-value');
    }
  });

  it('treats "false" as false and rejects other booleans', () => {
    const base = { ADMIN_PORT: '9000', HMAC_KEY: 'k'.repeat(32) };
    expect(loadConfig(Schema, { ...base, DRY_RUN: 'false' }).DRY_RUN).to.equal(false);
    expect(loadConfig(Schema, { ...base, DRY_RUN: 'true' }).DRY_RUN).to.equal(true);
    expect(() => loadConfig(Schema, { ...base, DRY_RUN: 'yes' })).to.throw(ConfigError);
  });

  it('returns a frozen object with defaults applied, empty strings counting as unset', () => {
    const c = loadConfig(Schema, { ADMIN_PORT: '9000', HMAC_KEY: 'k'.repeat(32), TTL_SECONDS: '' });
    expect(Object.isFrozen(c)).to.equal(true);
    expect(c.TTL_SECONDS).to.equal(300);
    expect(c.NATS_URL).to.equal('nats://127.0.0.1:4222');
  });

  it('redacts secrets for logging', () => {
    const c = loadConfig(Schema, { ADMIN_PORT: '9000', HMAC_KEY: 'k'.repeat(32) });
    const shown = redactConfig(Schema, c);
    expect(shown.HMAC_KEY).to.equal('[redacted]');
    expect(shown.ADMIN_PORT).to.equal(9000);
  });
});
