import { deflateRawSync } from 'node:zlib';
import { expect } from 'chai';
import { DomainError } from '@idp/events';
import { MAX_XML_BYTES, decodeBinding } from './binding.js';
import { ALG, authnRequestXml, postEncode, redirectQuery, urlEncode } from './__fixtures__/saml-requests.js';

const codeOf = (fn: () => unknown): string => {
  try {
    fn();
  } catch (e) {
    if (e instanceof DomainError) return e.code;
    throw e;
  }
  throw new Error('expected a DomainError');
};
const deflated = (xml: string | Buffer) => urlEncode(deflateRawSync(Buffer.from(xml)).toString('base64'));

describe('saml/verify decodeBinding()', () => {
  const xml = authnRequestXml();

  describe('HTTP-Redirect', () => {
    it('inflates SAMLRequest and form-decodes RelayState', () => {
      const d = decodeBinding({
        binding: 'redirect',
        rawQuery: redirectQuery(xml, { relayState: 'a b+c/é' }),
      });
      expect(d.xml).to.equal(xml);
      expect(d.relayState).to.equal('a b+c/é');
      expect(d.detached).to.equal(undefined);
    });

    it('keeps the signed octets exactly as received, in protocol order, RelayState included', () => {
      const raw = `SigAlg=${urlEncode(ALG.rsaSha256)}&Signature=AAAA&RelayState=x%2fy&SAMLRequest=${deflated(xml)}`;
      const d = decodeBinding({ binding: 'redirect', rawQuery: raw });
      expect(d.detached!.signedOctets.toString('ascii')).to.equal(
        `SAMLRequest=${deflated(xml)}&RelayState=x%2fy&SigAlg=${urlEncode(ALG.rsaSha256)}`,
      );
      expect(d.detached!.sigAlg).to.equal(ALG.rsaSha256);
    });

    it('accepts a leading "?" and ignores unrelated parameters', () => {
      const d = decodeBinding({ binding: 'redirect', rawQuery: `?foo=1&SAMLRequest=${deflated(xml)}&bar` });
      expect(d.xml).to.equal(xml);
    });

    it('refuses a parameter given twice with saml.malformed_request', () => {
      const raw = `SAMLRequest=${deflated(xml)}&SAMLRequest=${deflated(xml)}`;
      expect(codeOf(() => decodeBinding({ binding: 'redirect', rawQuery: raw }))).to.equal(
        'saml.malformed_request',
      );
    });

    it('refuses a missing SAMLRequest, non-ASCII octets and bad percent-encoding', () => {
      for (const rawQuery of [
        'RelayState=x',
        `SAMLRequest=${deflated(xml)}&RelayState=é`,
        'SAMLRequest=%E0%A4%A',
      ])
        expect(codeOf(() => decodeBinding({ binding: 'redirect', rawQuery }))).to.equal(
          'saml.malformed_request',
        );
    });

    it('refuses SAMLRequest that is not strict base64 or not raw DEFLATE', () => {
      for (const rawQuery of [
        'SAMLRequest=abc*',
        'SAMLRequest=abc',
        `SAMLRequest=${urlEncode(postEncode(xml))}`,
      ])
        expect(codeOf(() => decodeBinding({ binding: 'redirect', rawQuery }))).to.equal(
          'saml.malformed_request',
        );
    });

    it('refuses a deflate bomb with saml.too_large without inflating it all', () => {
      const bomb = deflateRawSync(Buffer.alloc(8 * 1024 * 1024, 0x20));
      const rawQuery = `SAMLRequest=${urlEncode(bomb.toString('base64'))}`;
      expect(rawQuery.length).to.be.below(16 * 1024);
      expect(codeOf(() => decodeBinding({ binding: 'redirect', rawQuery }))).to.equal('saml.too_large');
    });

    it('accepts an inflated request right at the cap and refuses one byte more', () => {
      const atCap = (bytes: number) =>
        xml.replace(
          '</samlp:AuthnRequest>',
          `${' '.repeat(bytes - Buffer.byteLength(xml))}</samlp:AuthnRequest>`,
        );
      expect(
        decodeBinding({ binding: 'redirect', rawQuery: `SAMLRequest=${deflated(atCap(MAX_XML_BYTES))}` }).xml,
      ).to.have.length(MAX_XML_BYTES);
      const over = `SAMLRequest=${deflated(atCap(MAX_XML_BYTES + 1))}`;
      expect(codeOf(() => decodeBinding({ binding: 'redirect', rawQuery: over }))).to.equal('saml.too_large');
    });

    it('refuses a query string over 16 KiB with saml.too_large', () => {
      const rawQuery = `SAMLRequest=${deflated(xml)}&RelayState=${'a'.repeat(16 * 1024)}`;
      expect(codeOf(() => decodeBinding({ binding: 'redirect', rawQuery }))).to.equal('saml.too_large');
    });

    it('refuses Signature without SigAlg (and the reverse) with saml.signature_invalid', () => {
      for (const extra of ['&Signature=AAAA', `&SigAlg=${urlEncode(ALG.rsaSha256)}`])
        expect(
          codeOf(() =>
            decodeBinding({ binding: 'redirect', rawQuery: `SAMLRequest=${deflated(xml)}${extra}` }),
          ),
        ).to.equal('saml.signature_invalid');
    });

    it('refuses an encoding other than DEFLATE with saml.unsupported_binding', () => {
      const rawQuery = `SAMLRequest=${deflated(xml)}&SAMLEncoding=${urlEncode('urn:example:gzip')}`;
      expect(codeOf(() => decodeBinding({ binding: 'redirect', rawQuery }))).to.equal(
        'saml.unsupported_binding',
      );
    });
  });

  describe('HTTP-POST', () => {
    it('decodes base64, line breaks allowed, and passes RelayState through', () => {
      const wrapped = postEncode(xml).replace(/.{76}/g, '$&\r\n');
      const d = decodeBinding({ binding: 'post', samlRequest: wrapped, relayState: 'r' });
      expect(d).to.deep.equal({ binding: 'post', xml, relayState: 'r' });
    });

    it('refuses invalid base64 and non-UTF-8 content with saml.malformed_request', () => {
      const latin1 = Buffer.from(xml.replace('</samlp', '\u00e9</samlp'), 'latin1').toString('base64');
      for (const samlRequest of ['not base64!', postEncode(xml).slice(1), latin1])
        expect(codeOf(() => decodeBinding({ binding: 'post', samlRequest }))).to.equal(
          'saml.malformed_request',
        );
    });

    it('refuses a body over the size cap with saml.too_large', () => {
      const samlRequest = Buffer.alloc(MAX_XML_BYTES + 1024, 0x41).toString('base64');
      expect(codeOf(() => decodeBinding({ binding: 'post', samlRequest }))).to.equal('saml.too_large');
    });
  });
});
