import { expect } from 'chai';
import { ConfigError, loadConfig, redactConfig } from '@idp/config';
import { OtpSenderConfig, smsTransport } from './config.js';

const KEY = 'k'.repeat(40);
const problems = (env: Record<string, string>) => {
  try {
    loadConfig(OtpSenderConfig, env);
  } catch (err) {
    expect(err).to.be.instanceOf(ConfigError);
    return (err as ConfigError).problems.map((p) => p.split(':')[0]);
  }
  return [];
};

describe('otp-sender config', () => {
  it('starts in development with no settings: dev sink, generated key, localhost', () => {
    const c = loadConfig(OtpSenderConfig, {});
    expect(smsTransport(c)).to.equal('dev_sink');
    expect(c.OTP_HMAC_KEY).to.equal(undefined);
    expect(c.PUBLIC_HOST).to.equal('localhost');
    expect(c.OTP_ALLOWED_COUNTRY_CODES).to.include('+386');
  });

  it('requires OTP_HMAC_KEY and an explicit SMS_TRANSPORT in production', () => {
    expect(problems({ IDP_ENV: 'production' })).to.have.members(['OTP_HMAC_KEY', 'SMS_TRANSPORT']);
  });

  it('refuses the development sink in production', () => {
    expect(problems({ IDP_ENV: 'production', OTP_HMAC_KEY: KEY, SMS_TRANSPORT: 'dev_sink' })).to.deep.equal([
      'SMS_TRANSPORT',
    ]);
  });

  it('requires SNS_REGION for sns, both static credentials or none, and a key of 32 characters', () => {
    expect(
      problems({
        IDP_ENV: 'production',
        OTP_HMAC_KEY: 'short',
        SMS_TRANSPORT: 'sns',
        SNS_ACCESS_KEY_ID: 'AKIA',
      }),
    ).to.have.members(['OTP_HMAC_KEY', 'SNS_REGION', 'SNS_ACCESS_KEY_ID']);
  });

  it('redacts the secrets when logged', () => {
    const c = loadConfig(OtpSenderConfig, {
      IDP_ENV: 'production',
      OTP_HMAC_KEY: KEY,
      SMS_TRANSPORT: 'sns',
      SNS_REGION: 'eu-central-1',
      SNS_ACCESS_KEY_ID: 'AKIAEXAMPLE',
      SNS_SECRET_ACCESS_KEY: 'secret',
    });
    const shown = JSON.stringify(redactConfig(OtpSenderConfig, c));
    for (const s of [KEY, 'AKIAEXAMPLE', '"secret"']) expect(shown).to.not.contain(s);
  });

  it('parses the country allow-list and the retry backoff', () => {
    const c = loadConfig(OtpSenderConfig, {
      OTP_ALLOWED_COUNTRY_CODES: '+386, +385',
      SMS_RETRY_BACKOFF_MS: '100,200',
    });
    expect(c.OTP_ALLOWED_COUNTRY_CODES).to.deep.equal(['+386', '+385']);
    expect(c.SMS_RETRY_BACKOFF_MS).to.deep.equal([100, 200]);
    expect(problems({ OTP_ALLOWED_COUNTRY_CODES: '386' })[0]).to.match(/^OTP_ALLOWED_COUNTRY_CODES/);
  });
});
