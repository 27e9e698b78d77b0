import { expect } from 'chai';
import { startFakeSns, type FakeSns } from '../../testing/fake-sns.js';
import { SmsSendError } from '../../ports.js';
import { createSnsTransport } from './sns.js';

describe('adapters/sms SNS transport against a local SNS Query endpoint', () => {
  let sns: FakeSns;
  const transport = (senderId?: string) =>
    createSnsTransport({
      region: 'eu-central-1',
      endpoint: sns.url,
      credentials: { accessKeyId: 'AKIATESTTEST', secretAccessKey: 'test-secret' },
      requestTimeoutMs: 2000,
      ...(senderId ? { senderId } : {}),
    });

  beforeEach(async () => {
    sns = await startFakeSns();
  });
  afterEach(() => sns.close());

  it('publishes to the phone number as a transactional SMS with the sender ID, signed with SigV4', async () => {
    const out = await transport('SIPASS').send({
      to: '+38640123456',
      text: 'eDavki: koda 123456\n\n@localhost #123456',
    });
    expect(out.messageId).to.match(/^[0-9a-f-]{36}$/);
    expect(sns.requests).to.have.length(1);
    const r = sns.requests[0]!;
    expect(r.form.get('Action')).to.equal('Publish');
    expect(r.form.get('Version')).to.equal('2010-03-31');
    expect(r.phoneNumber).to.equal('+38640123456');
    expect(r.message).to.equal('eDavki: koda 123456\n\n@localhost #123456');
    expect(r.attributes).to.deep.equal({
      'AWS.SNS.SMS.SMSType': 'Transactional',
      'AWS.SNS.SMS.SenderID': 'SIPASS',
    });
    expect(r.form.get('MessageAttributes.entry.1.Value.DataType')).to.equal('String');
    expect(r.authorization).to.match(
      /^AWS4-HMAC-SHA256 Credential=AKIATESTTEST\/\d{8}\/eu-central-1\/sns\/aws4_request/,
    );
  });

  it('sends no SenderID attribute when none is configured', async () => {
    await transport().send({ to: '+38640123456', text: 't' });
    expect(sns.requests[0]!.attributes).to.deep.equal({ 'AWS.SNS.SMS.SMSType': 'Transactional' });
  });

  it('reports a 500 and Throttling as retryable, without retrying inside the SDK', async () => {
    sns.plan({ status: 500, code: 'InternalError' }, { status: 400, code: 'Throttling' });
    const t = transport();
    for (const reason of [/^InternalError(Exception)? \(500\)$/, /^Throttling \(400\)$/]) {
      const err = await t.send({ to: '+38640123456', text: 't' }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).to.be.instanceOf(SmsSendError);
      expect(err).to.include({ permanent: false });
      expect((err as SmsSendError).reason).to.match(reason);
    }
    expect(sns.requests).to.have.length(2);
  });

  it('reports a 400 InvalidParameter (bad number) as permanent', async () => {
    sns.plan({ status: 400, code: 'InvalidParameter' });
    const err = await transport()
      .send({ to: '+38640123456', text: 't' })
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(err).to.be.instanceOf(SmsSendError);
    expect(err).to.include({ permanent: true });
    expect((err as SmsSendError).reason).to.match(/^InvalidParameter(Exception)? \(400\)$/);
  });

  it('reports an unreachable endpoint as retryable', async () => {
    const url = sns.url;
    await sns.close();
    const t = createSnsTransport({
      region: 'eu-central-1',
      endpoint: url,
      credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
      requestTimeoutMs: 1000,
    });
    const err = await t.send({ to: '+38640123456', text: 't' }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).to.be.instanceOf(SmsSendError);
    expect(err).to.include({ permanent: false });
    sns = await startFakeSns();
  });
});
