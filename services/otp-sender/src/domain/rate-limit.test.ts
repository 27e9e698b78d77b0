import { expect } from 'chai';
import { admissionError, admit, sendLimits } from './rate-limit.js';

const HOUR = 3600_000;
const limits = sendLimits({ phone: 'p1', prefix: 'x1' }, { phoneHourlyCap: 10, prefixHourlyCap: 25 });

describe('domain/rate-limit admit()', () => {
  it('caps one phone at 10 SMS per sliding hour', () => {
    const log = new Map<string, number[]>();
    for (let i = 0; i < 10; i++) expect(admit(log, limits, i * 1000).admitted).to.equal(true);
    const refused = admit(log, limits, 10_000);
    expect(refused).to.deep.equal({ admitted: false, limit: 'phone', retryAfterMs: HOUR - 10_000 });
    expect(admissionError(refused)?.code).to.equal('otp.phone_rate_limited');
    expect(admit(log, limits, HOUR + 1).admitted).to.equal(true);
  });

  it('caps a number block across different phones (SMS pumping walks a prefix)', () => {
    const log = new Map<string, number[]>();
    for (let i = 0; i < 25; i++) {
      const phone = sendLimits({ phone: `p${i}`, prefix: 'x1' }, { phoneHourlyCap: 10, prefixHourlyCap: 25 });
      expect(admit(log, phone, i).admitted).to.equal(true);
    }
    const next = sendLimits({ phone: 'p-new', prefix: 'x1' }, { phoneHourlyCap: 10, prefixHourlyCap: 25 });
    expect(admit(log, next, 100)).to.include({ admitted: false, limit: 'prefix' });
  });

  it('counts nothing when refused', () => {
    const log = new Map<string, number[]>([['rl:prefix:x1', Array.from({ length: 25 }, () => 0)]]);
    expect(admit(log, limits, 1).admitted).to.equal(false);
    expect(log.get('rl:phone:p1')).to.deep.equal([]);
  });
});
