// Documents that are not well-formed SAML requests stop at the parser or the schema, before any
// field is read: the XSD gate is real, not a validator that accepts everything.
import { expect } from 'chai';
import {
  fixture,
  post,
  redirect,
  redirectQuery,
  refusal,
  verifyAuthnRequest,
  world,
  type World,
} from './support.js';

describe('security: SAML malformed and schema-invalid requests', function () {
  this.timeout(20_000);
  let w: World;
  before(async () => {
    w = await world();
  });

  const cases = [
    ['invalid/authn-request.schema-missing-version.xml', 'saml.schema_invalid'],
    ['invalid/authn-request.schema-elements-out-of-order.xml', 'saml.schema_invalid'],
    ['invalid/authn-request.schema-bad-issue-instant.xml', 'saml.schema_invalid'],
    ['invalid/authn-request.not-well-formed.xml', 'saml.malformed_request'],
    ['invalid/response-posted-as-request.xml', 'saml.malformed_request'],
  ] as const;
  for (const [path, code] of cases) {
    it(`refuses ${path} over POST and Redirect with ${code}`, async () => {
      const xml = fixture(path);
      expect((await refusal(verifyAuthnRequest(post(xml), w.ctx()))).code).to.equal(code);
      expect((await refusal(verifyAuthnRequest(redirect(redirectQuery(xml)), w.ctx()))).code).to.equal(code);
    });
  }
});
