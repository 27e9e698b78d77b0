import { expect } from 'chai';
import { mailboxOf } from './abuse-limits.js';

describe('idp-gateway mailboxOf()', () => {
  it('lower-cases, trims and drops a +tag, so one mailbox is one budget', () => {
    expect(mailboxOf(' Ana.Novak+news@Example.SI ')).to.equal('ana.novak@example.si');
    expect(mailboxOf('ana@example.si')).to.equal('ana@example.si');
    expect(mailboxOf('+x@example.si')).to.equal('+x@example.si');
    expect(mailboxOf('not an address')).to.equal('not an address');
  });
});
