import { expect } from 'chai';
import { LOA_URI } from '@idp/saml';
import { acceptableLevels, reachableLevel } from './loa.js';

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
    ).to.deep.equal(['substantial', 'low']);
  });

  it("puts the SP's most preferred level first (SAML core 3.3.2.2.1: the references are an ordered set)", () => {
    // Two factors preferred, the password alone accepted.
    expect(
      acceptableLevels(policy, { comparison: 'exact', classRefs: [LOA_URI.substantial, LOA_URI.low] }),
    ).to.deep.equal(['substantial', 'low']);
    expect(
      acceptableLevels(policy, { comparison: 'exact', classRefs: [LOA_URI.low, LOA_URI.substantial] }),
    ).to.deep.equal(['low', 'substantial']);
    expect(
      acceptableLevels(policy, { comparison: 'minimum', classRefs: [LOA_URI.substantial, LOA_URI.low] }),
    ).to.deep.equal(['substantial', 'low']);
    // Unknown classes are skipped, the order of the rest kept; a level the policy refuses stays out.
    expect(
      acceptableLevels(
        { ...policy, minLoa: 'substantial' },
        {
          comparison: 'exact',
          classRefs: ['urn:oasis:names:tc:SAML:2.0:ac:classes:Kerberos', LOA_URI.low, LOA_URI.substantial],
        },
      ),
    ).to.deep.equal(['substantial']);
  });

  it('aims for the lowest level when the request does not order them', () => {
    expect(acceptableLevels(policy)[0]).to.equal('low');
    expect(acceptableLevels(policy, { comparison: 'minimum', classRefs: [LOA_URI.low] })[0]).to.equal('low');
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

describe('idp-gateway reachableLevel()', () => {
  it('takes the first level the account reaches: two factors only with an active smsPASS', () => {
    expect(reachableLevel(['substantial', 'low'], true)).to.equal('substantial');
    expect(reachableLevel(['substantial', 'low'], false)).to.equal('low');
    expect(reachableLevel(['low', 'substantial'], true)).to.equal('low');
    expect(reachableLevel(['substantial'], true)).to.equal('substantial');
  });

  it('is undefined (NoAuthnContext) when no acceptable level is reachable', () => {
    expect(reachableLevel(['substantial'], false)).to.equal(undefined);
    expect(reachableLevel(['high'], true)).to.equal(undefined);
    expect(reachableLevel([], true)).to.equal(undefined);
  });
});
