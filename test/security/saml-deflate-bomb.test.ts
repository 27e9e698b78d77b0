// Deflate bomb: a Redirect query under 16 KiB that inflates to megabytes. zlib stops at the 64 KiB
// cap (maxOutputLength), so the request costs at most that much memory. Oversized POST bodies are
// refused before decoding.
import { deflateRawSync } from 'node:zlib';
import { expect } from 'chai';
import {
  authnRequestXml,
  post,
  postEncode,
  redirect,
  refusal,
  urlEncode,
  verifyAuthnRequest,
  verifyLogoutRequest,
  world,
  type World,
} from './support.js';

describe('security: SAML deflate bomb and oversized requests', function () {
  this.timeout(20_000);
  let w: World;
  let bombQuery: string;
  before(async () => {
    w = await world();
    // A valid start, then 8 MiB of whitespace: it would even be well-formed if it were ever inflated.
    const head = authnRequestXml().replace('</samlp:AuthnRequest>', '');
    const bomb = deflateRawSync(Buffer.concat([Buffer.from(head), Buffer.alloc(8 * 1024 * 1024, 0x20)]), {
      level: 9,
    });
    bombQuery = `SAMLRequest=${urlEncode(bomb.toString('base64'))}`;
  });

  it('fits in an ordinary URL', () => {
    expect(bombQuery.length).to.be.below(16 * 1024);
  });

  it('refuses the AuthnRequest with saml.too_large', async () => {
    expect((await refusal(verifyAuthnRequest(redirect(bombQuery), w.ctx()))).code).to.equal('saml.too_large');
  });

  it('refuses the LogoutRequest with saml.too_large', async () => {
    expect((await refusal(verifyLogoutRequest(redirect(bombQuery), w.ctx()))).code).to.equal(
      'saml.too_large',
    );
  });

  it('refuses a POST body over the 64 KiB cap with saml.too_large', async () => {
    const huge = authnRequestXml().replace(
      '</samlp:AuthnRequest>',
      `${' '.repeat(70 * 1024)}</samlp:AuthnRequest>`,
    );
    expect((await refusal(verifyAuthnRequest(post(huge), w.ctx()))).code).to.equal('saml.too_large');
    expect(
      (
        await refusal(
          verifyAuthnRequest({ binding: 'post', samlRequest: postEncode(huge).repeat(2) }, w.ctx()),
        )
      ).code,
    ).to.equal('saml.too_large');
  });
});
