import { randomBytes } from 'node:crypto';
import { expect } from 'chai';
import { createSealer, deriveKey } from '../seal.js';
import { ActivationMailSendJobV1, MAIL_SEAL_PURPOSE, openMailJob, sealMailJob } from './activation.js';

describe('mail job sealing (producers and the mail worker)', () => {
  const sealer = createSealer(deriveKey(randomBytes(32).toString('base64url'), MAIL_SEAL_PURPOSE));
  const mail = {
    to: 'ana@example.si',
    params: { link: 'https://idp/x?token=t' },
    template: 'password_reset',
    language: 'sl',
  } as const;

  it('seals the recipient and parameters to a fresh mail id, and the worker opens them', () => {
    const job = sealMailJob(sealer, mail);
    expect(ActivationMailSendJobV1.schema.parse(job)).to.deep.equal(job);
    expect(job.sealed).to.not.contain('ana@example.si');
    expect(job.sealed).to.not.contain('token=t');
    expect(openMailJob(sealer, job)).to.deep.equal({ to: mail.to, params: mail.params });
    expect(sealMailJob(sealer, mail).mailId).to.not.equal(job.mailId);
  });

  it('refuses a job whose seal was moved to another mail id', () => {
    const a = sealMailJob(sealer, mail);
    const b = sealMailJob(sealer, mail);
    expect(() => openMailJob(sealer, { mailId: b.mailId, sealed: a.sealed })).to.throw();
  });
});
