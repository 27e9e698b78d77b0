import { expect } from 'chai';
import { ActivationConfig, mailTransport } from './config.js';

const BASE = { DATABASE_URL: 'postgres://idp_activation@127.0.0.1:5432/idp' };
const issues = (env: Record<string, string>) => {
  const r = ActivationConfig.safeParse({ ...BASE, ...env });
  return r.success ? [] : r.error.issues.map((i) => i.path.join('.'));
};

describe('activation config', () => {
  it('defaults to the development sink and generates the seal key only in development', () => {
    const c = ActivationConfig.parse({ ...BASE });
    expect(mailTransport(c)).to.equal('dev_sink');
    expect(c.MAIL_DEV_SINK_FILE).to.equal('var/dev-mail.jsonl');
    expect(issues({ IDP_ENV: 'test' })).to.deep.equal(['MAIL_SEAL_KEY', 'ACTIVATION_CODE_HMAC_KEY']);
  });

  it('refuses the development sink in production and needs SMTP settings there', () => {
    const prod = {
      IDP_ENV: 'production',
      MAIL_SEAL_KEY: 'x'.repeat(32),
      ACTIVATION_CODE_HMAC_KEY: 'y'.repeat(32),
    };
    expect(issues(prod)).to.deep.equal(['MAIL_TRANSPORT']);
    expect(issues({ ...prod, MAIL_TRANSPORT: 'dev_sink' })).to.deep.equal(['MAIL_TRANSPORT']);
    expect(issues({ ...prod, MAIL_TRANSPORT: 'smtp' })).to.deep.equal(['SMTP_HOST', 'MAIL_FROM']);
    expect(
      issues({
        ...prod,
        MAIL_TRANSPORT: 'smtp',
        SMTP_HOST: 'mail.example.si',
        MAIL_FROM: 'no-reply@example.si',
      }),
    ).to.deep.equal([]);
    expect(
      issues({
        ...prod,
        MAIL_TRANSPORT: 'smtp',
        SMTP_HOST: 'mail.example.si',
        MAIL_FROM: 'no-reply@example.si',
        SMTP_USER: 'idp',
      }),
    ).to.deep.equal(['SMTP_USER']);
  });
});
