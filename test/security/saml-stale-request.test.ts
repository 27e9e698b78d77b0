// A captured request must not be usable later (or pre-dated to be used later): IssueInstant must be
// within the clock skew (3 minutes) of now.
import { expect } from 'chai';
import {
  T0,
  authnRequestXml,
  logoutRequestXml,
  post,
  refusal,
  signXml,
  verifyAuthnRequest,
  verifyLogoutRequest,
  world,
  type World,
} from './support.js';

const DAY_MS = 86_400_000;
const at = (offsetMs: number) => new Date(T0.getTime() + offsetMs).toISOString();

describe('security: SAML IssueInstant a day off', function () {
  this.timeout(20_000);
  let w: World;
  before(async () => {
    w = await world();
  });

  for (const [name, offset] of [
    ['a day old', -DAY_MS],
    ['a day in the future', DAY_MS],
  ] as const) {
    it(`refuses a signed AuthnRequest issued ${name} with saml.issue_instant_out_of_range`, async () => {
      const xml = signXml(authnRequestXml({ issueInstant: at(offset) }), { key: w.key });
      const c = w.ctx();
      expect((await refusal(verifyAuthnRequest(post(xml), c))).code).to.equal(
        'saml.issue_instant_out_of_range',
      );
      expect(c.seen.size).to.equal(0);
    });

    it(`refuses a signed LogoutRequest issued ${name} with saml.issue_instant_out_of_range`, async () => {
      const xml = signXml(logoutRequestXml({ issueInstant: at(offset) }), { key: w.key });
      expect((await refusal(verifyLogoutRequest(post(xml), w.ctx()))).code).to.equal(
        'saml.issue_instant_out_of_range',
      );
    });
  }

  it('honours a configured skew', async () => {
    const xml = signXml(authnRequestXml({ issueInstant: at(-60_000) }), { key: w.key });
    expect((await refusal(verifyAuthnRequest(post(xml), w.ctx({ clockSkewMs: 30_000 })))).code).to.equal(
      'saml.issue_instant_out_of_range',
    );
    expect((await verifyAuthnRequest(post(xml), w.ctx())).signed).to.equal(true);
  });
});
