import { expect } from 'chai';
import { classifySnsError } from './sns.js';

const sdkError = (name: string, status?: number) =>
  Object.assign(new Error(name), { name, ...(status ? { $metadata: { httpStatusCode: status } } : {}) });

describe('adapters/sms classifySnsError()', () => {
  it('retries throttling, 5xx and network failures', () => {
    for (const e of [
      sdkError('Throttling', 400),
      sdkError('ThrottledException', 429),
      sdkError('InternalError', 500),
      sdkError('ServiceUnavailable', 503),
      Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }),
      sdkError('TimeoutError'),
    ]) {
      expect(classifySnsError(e).permanent, e.name).to.equal(false);
    }
  });

  it('gives up at once on a 4xx about the message (invalid number, opted out)', () => {
    for (const e of [
      sdkError('InvalidParameter', 400),
      sdkError('InvalidParameterValue', 400),
      sdkError('OptedOut', 400),
    ]) {
      const c = classifySnsError(e);
      expect(c.permanent, e.name).to.equal(true);
      expect(c.reason).to.equal(`${e.name} (400)`);
    }
  });

  it('retries our own credential problems, so the jobs reach the dead-letter queue for a requeue', () => {
    expect(classifySnsError(sdkError('AuthorizationError', 403)).permanent).to.equal(false);
    expect(classifySnsError(sdkError('InvalidClientTokenId', 403)).permanent).to.equal(false);
  });
});
