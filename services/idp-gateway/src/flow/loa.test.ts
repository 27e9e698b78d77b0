import { expect } from 'chai';
import { LOA_URI } from '@idp/saml';
import { acceptableLevels } from './loa.js';

const policy = { minLoa: 'low' as const, allowedMethods: ['password' as const, 'password_sms' as const] };

describe('idp-gateway acceptableLevels()', () => {
  it('follows the SP policy when the request asks for nothing', () => {
    expect(acceptableLevels(policy)).to.deep.equal(['low', 'substantial']);
    expect(acceptableLevels({ ...policy, minLoa: 'substantial' })).to.deep.equal(['substantial']);
    expect(acceptableLevels({ minLoa: 'low', allowedMethods: ['password_sms'] })).to.deep.equal([
      'substantial',
    ]);
  });

  it('applies exact, minimum, better and maximum comparisons', () => {
    expect(acceptableLevels(policy, { comparison: 'exact', classRefs: [LOA_URI.low] })).to.deep.equal([
      'low',
    ]);
    expect(acceptableLevels(policy, { comparison: 'minimum', classRefs: [LOA_URI.low] })).to.deep.equal([
      'low',
      'substantial',
    ]);
    expect(acceptableLevels(policy, { comparison: 'better', classRefs: [LOA_URI.low] })).to.deep.equal([
      'substantial',
    ]);
    expect(
      acceptableLevels(policy, { comparison: 'maximum', classRefs: [LOA_URI.substantial] }),
    ).to.deep.equal(['low', 'substantial']);
  });

  it('is empty (NoAuthnContext) for a level we cannot reach or a class we do not know', () => {
    expect(acceptableLevels(policy, { comparison: 'minimum', classRefs: [LOA_URI.high] })).to.deep.equal([]);
    expect(
      acceptableLevels(policy, {
        comparison: 'exact',
        classRefs: ['urn:oasis:names:tc:SAML:2.0:ac:classes:Kerberos'],
      }),
    ).to.deep.equal([]);
    expect(
      acceptableLevels(
        { ...policy, minLoa: 'substantial' },
        { comparison: 'maximum', classRefs: [LOA_URI.low] },
      ),
    ).to.deep.equal([]);
  });
});
