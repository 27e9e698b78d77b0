import { expect } from 'chai';
import { loadConfig } from '@idp/config';
import { abuseLimitPolicy, GatewayConfig } from './config.js';

describe('idp-gateway config', () => {
  it('has the documented abuse limits by default, and takes others from LIMIT_*', () => {
    const policy = abuseLimitPolicy(loadConfig(GatewayConfig, {}));
    const hour = { windowMs: 3600_000 };
    expect(policy).to.deep.equal({
      register: { address: { max: 10, ...hour }, email: { max: 3, ...hour } },
      register_confirm: { address: { max: 20, ...hour } },
      password_forgot: { address: { max: 10, ...hour }, email: { max: 3, ...hour } },
      password_reset: { address: { max: 20, ...hour } },
    });
    const tuned = abuseLimitPolicy(
      loadConfig(GatewayConfig, { LIMIT_FORGOT_EMAIL_MAX: '1', LIMIT_FORGOT_EMAIL_WINDOW_SECONDS: '2' }),
    );
    expect(tuned.password_forgot.email).to.deep.equal({ max: 1, windowMs: 2000 });
    expect(() => loadConfig(GatewayConfig, { LIMIT_REGISTER_ADDRESS_MAX: '0' })).to.throw(
      /LIMIT_REGISTER_ADDRESS_MAX/,
    );
  });

  it('no longer has a terms version of its own (accounts owns it)', () => {
    expect(GatewayConfig.shape).not.to.have.property('TERMS_VERSION');
  });
});
