import { expect } from 'chai';
import { DomainError } from '@idp/events';
import { parseDom, refuseDtdAndOddEncodings, textOf } from './xml.js';

const codeOf = (fn: () => unknown): string | undefined => {
  try {
    fn();
    return undefined;
  } catch (e) {
    if (e instanceof DomainError) return e.code;
    throw e;
  }
};

describe('saml/verify refuseDtdAndOddEncodings()', () => {
  it('refuses every markup declaration, in any case, with saml.dtd_forbidden', () => {
    for (const xml of [
      '<!DOCTYPE a [<!ENTITY x SYSTEM "file:///etc/passwd">]><a>&x;</a>',
      '<!doctype a SYSTEM "http://127.0.0.1/x.dtd"><a/>',
      '<?xml version="1.0"?>\n<!ENTITY x "y"><a/>',
      '<a><!ELEMENT a ANY></a>',
      '<a><!ATTLIST a b CDATA #IMPLIED></a>',
      '<!-- hidden --><!DOCTYPE a><a/>',
    ])
      expect(
        codeOf(() => refuseDtdAndOddEncodings(xml)),
        xml,
      ).to.equal('saml.dtd_forbidden');
  });

  it('lets comments and CDATA sections through', () => {
    expect(
      codeOf(() =>
        refuseDtdAndOddEncodings('<?xml version="1.0" encoding="utf-8"?><a><!-- c --><![CDATA[x]]></a>'),
      ),
    ).to.equal(undefined);
  });

  it('refuses processing instructions other than the XML declaration with saml.malformed_request', () => {
    expect(codeOf(() => refuseDtdAndOddEncodings('<?xml version="1.0"?>\n<a/>'))).to.equal(undefined);
    for (const xml of [
      '<a><?evil?></a>',
      '<?xml version="1.0"?><?xml-stylesheet href="x"?><a/>',
      '<a/><?pi x?>',
    ])
      expect(
        codeOf(() => refuseDtdAndOddEncodings(xml)),
        xml,
      ).to.equal('saml.malformed_request');
  });

  it('refuses NUL characters and encodings other than UTF-8 with saml.malformed_request', () => {
    for (const xml of [
      '<a>\u0000</a>',
      "<?xml version='1.0' encoding='UTF-16'?><a/>",
      '<?xml version="1.0" encoding="ISO-8859-1"?><a/>',
    ])
      expect(
        codeOf(() => refuseDtdAndOddEncodings(xml)),
        xml,
      ).to.equal('saml.malformed_request');
  });
});

describe('saml/verify parseDom()', () => {
  it('refuses what is not well-formed instead of repairing it', () => {
    for (const xml of ['<a><b></a>', '<a x="1" x="2"/>', '<a>&undeclared;</a>', '', '<a/><b/>'])
      expect(
        codeOf(() => parseDom(xml)),
        xml,
      ).to.equal('saml.malformed_request');
  });

  it('reads text without letting a comment truncate it', () => {
    const doc = parseDom('<a>victim@example.org<!-- -->.evil.example</a>');
    expect(textOf(doc.documentElement!)).to.equal('victim@example.org.evil.example');
  });
});
