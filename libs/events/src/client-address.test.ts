import { expect } from 'chai';
import { clientAddressBucket } from './client-address.js';

describe('events clientAddressBucket()', () => {
  it('counts an IPv4 address on its own', () => {
    expect(clientAddressBucket('203.0.113.7')).to.equal('203.0.113.7');
    expect(clientAddressBucket(' 203.0.113.7 ')).to.equal('203.0.113.7');
  });

  it('counts every IPv6 address of one /64 together', () => {
    const a = clientAddressBucket('2001:db8:1:2:aaaa:bbbb:cccc:dddd');
    expect(a).to.equal('2001:db8:1:2::/64');
    expect(clientAddressBucket('2001:DB8:1:2::1')).to.equal(a);
    expect(clientAddressBucket('2001:db8:1:3::1')).not.to.equal(a);
    expect(clientAddressBucket('2001:db8::1')).to.equal('2001:db8:0:0::/64');
    expect(clientAddressBucket('fe80::1%eth0')).to.equal('fe80:0:0:0::/64');
  });

  it('counts an IPv4-mapped IPv6 address as the IPv4 address', () => {
    expect(clientAddressBucket('::ffff:203.0.113.7')).to.equal('203.0.113.7');
    expect(clientAddressBucket('::ffff:cb00:7107')).to.equal('203.0.113.7');
  });

  it('leaves anything that is not an IP address as it is', () => {
    expect(clientAddressBucket('proxy-token-1')).to.equal('proxy-token-1');
  });
});
