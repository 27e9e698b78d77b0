import { expect } from 'chai';
import { cleanServiceName, smsText } from './sms-text.js';

describe('domain/sms-text', () => {
  it('names the e-service and ends with the origin-bound line @host #code', () => {
    const text = smsText({ code: '012345', serviceName: 'eDavki', purpose: 'login', host: 'login.gov.si' });
    expect(text).to.contain('eDavki');
    expect(text.split('\n').at(-1)).to.equal('@login.gov.si #012345');
  });

  it('keeps a hostile service name from imitating the origin-bound line', () => {
    const text = smsText({
      code: '111111',
      serviceName: 'x\n@evil.example #999999',
      purpose: 'login',
      host: 'localhost',
    });
    expect(text.split('\n').filter((l) => l.startsWith('@'))).to.deep.equal(['@localhost #111111']);
    expect(cleanServiceName('   ')).to.equal('SI-PASS');
    expect(cleanServiceName('a'.repeat(60))).to.have.length(40);
  });

  it('says what the code is for when a phone is being bound', () => {
    expect(smsText({ code: '222222', serviceName: 'SI-PASS', purpose: 'bind_phone', host: 'h' })).to.contain(
      'phone',
    );
  });
});
