import { DOMParser, type Element } from '@xmldom/xmldom';
import { expect } from 'chai';
import { ExclusiveCanonicalization, SignedXml } from 'xml-crypto';
import { selfSignedCertificate } from '@idp/testing';
import { signingIdentity, type SigningIdentity } from '../keys.js';
import { buildLogoutRequest, buildLogoutResponse } from './build-logout.js';
import { buildFailureResponse, buildSuccessResponse } from './build-response.js';
import { NS, element, signed, type Xml } from './canonical-xml.js';

// Values an account or an SP's metadata could carry, each aimed at a place where a hand-written
// canonical form could differ from a real one.
const HOSTILE = [
  'plain',
  `Ana "Anči" O'Brien & <Co> >`,
  'tab\there, new\nline, return\rhere, both\r\n',
  'Čebelica Šoštanj Žiri ćevapčiči đ',
  'emoji 😀 and combining e\u0301',
  'control \u0001\u0008\u000B\u000C\u001F\uFFFE\uFFFF chars',
  'lone \uD800 surrogate \uDC00',
  ']]> <!-- not a comment --> <![CDATA[x]]>',
  ' xmlns:xs="http://www.w3.org/2001/XMLSchema" ',
  '&amp; &#x41; &lt;',
  '',
];

const parse = (xml: string) => {
  // U+FFFD in the input is on purpose here: keep xmldom's warning about it out of the test output.
  const onError = (level: string, message: string) => {
    if (level !== 'warning') throw new Error(message);
  };
  const doc = new DOMParser({ onError }).parseFromString(xml, 'text/xml');
  return doc.documentElement!;
};

/** The element's canonical form as a verifier computes it: its own Signature child taken out. */
function verifierC14n(el: Element): string {
  const copy = el.cloneNode(true) as Element;
  for (const child of Array.from(copy.childNodes))
    if ((child as Element).localName === 'Signature' && (child as Element).namespaceURI === NS.ds)
      copy.removeChild(child);
  return new ExclusiveCanonicalization().process(copy, {});
}

function checkEverySignature(xml: string, certPem: string): number {
  const root = parse(xml);
  const sigs = Array.from(root.getElementsByTagNameNS(NS.ds, 'Signature'));
  for (const node of sigs) {
    const sig = new SignedXml({ publicCert: certPem });
    sig.loadSignature(node);
    expect(sig.checkSignature(xml), 'xml-crypto accepts the signature').to.equal(true);
  }
  return sigs.length;
}

describe('idp-gateway canonical XML (held against xml-crypto)', function () {
  this.timeout(20_000);
  let signing: SigningIdentity;

  before(async () => {
    const c = await selfSignedCertificate({ commonName: 'idp' });
    signing = signingIdentity(c.keyPem, c.certPem);
  });

  it('writes each element as the exclusive c14n of what a parser reads back, for hostile values', () => {
    for (const value of HOSTILE) {
      const x: Xml = element(
        'samlp:Thing',
        {
          ns: [['samlp', NS.samlp]],
          attrs: { Zed: value, ID: '_1', a: value, Empty: '', Skipped: undefined },
        },
        value,
        element(
          'saml:Value',
          {
            ns: [
              ['saml', NS.saml],
              ['xsi', NS.xsi],
            ],
            docOnlyNs: [['xs', NS.xs]],
            attrs: { 'xsi:type': 'xs:string', B: value },
          },
          value,
        ),
      );
      const root = parse(x.doc);
      expect(verifierC14n(root), JSON.stringify(value)).to.equal(x.c14n);
    }
  });

  it('reads every value back as written, with what XML cannot carry as U+FFFD', () => {
    for (const value of HOSTILE) {
      const root = parse(element('saml:V', { ns: [['saml', NS.saml]], attrs: { A: value } }, value).doc);
      const expected = value.replace(/[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, '\uFFFD');
      expect(root.getAttribute('A')).to.equal(expected);
      expect(root.textContent).to.equal(expected);
    }
  });

  it('refuses a namespace declaration exclusive c14n would not render where it stands', () => {
    expect(() => element('saml:X', { ns: [['samlp', NS.samlp]] })).to.throw(/not visibly used/);
    expect(() =>
      element('saml:X', {
        ns: [['saml', NS.saml]],
        docOnlyNs: [['xsi', NS.xsi]],
        attrs: { 'xsi:type': 'x' },
      }),
    ).to.throw(/visibly used/);
    expect(() =>
      signed(
        { name: 'saml:X', o: { ns: [['saml', NS.saml]] }, issuer: element('saml:I', {}), rest: [] },
        signing,
      ),
    ).to.throw(/no ID/);
  });

  for (const signResponse of [false, true]) {
    it(`signs assertions${signResponse ? ' and responses' : ''} xml-crypto verifies and canonicalizes alike, for hostile attributes`, () => {
      for (const value of HOSTILE) {
        const xml = buildSuccessResponse({
          idpEntityId: `https://idp.example.si/${value}`,
          signing,
          spEntityId: `https://sp.example.org/${value}`,
          acsUrl: `https://sp.example.org/acs?x=${value}`,
          inResponseTo: `_req${value}`,
          signResponse,
          now: new Date(),
          nameId: { value: `name${value}`, format: 'transient' },
          authn: { instant: new Date(), sessionIndex: `_s${value}`, loa: 'substantial' },
          attributes: { given_name: `Ana${value}`, family_name: value, email: 'ana@example.si' },
        });
        expect(checkEverySignature(xml, signing.certPem)).to.equal(signResponse ? 2 : 1);
        const root = parse(xml);
        const assertion = root.getElementsByTagNameNS(NS.saml, 'Assertion')[0]!;
        // The QName in xsi:type still resolves in the message, though c14n leaves xs out.
        const av = assertion.getElementsByTagNameNS(NS.saml, 'AttributeValue')[0]!;
        expect(av.lookupNamespaceURI('xs')).to.equal(NS.xs);
        expect(verifierC14n(assertion)).not.to.match(/<saml:AttributeValue[^>]*xmlns:xs=/);
      }
    });
  }

  it('signs failure responses and logout messages xml-crypto verifies', () => {
    const base = {
      idpEntityId: 'https://idp.example.si/saml',
      signing,
      spEntityId: 'https://sp.example.org',
      acsUrl: 'https://sp.example.org/acs',
      inResponseTo: '_r1',
      signResponse: false,
      now: new Date(),
    };
    expect(
      checkEverySignature(
        buildFailureResponse({ ...base, topLevel: 'Responder', secondLevel: 'NoPassive' }),
        signing.certPem,
      ),
    ).to.equal(1);
    const request = buildLogoutRequest({
      idpEntityId: base.idpEntityId,
      spEntityId: base.spEntityId,
      destination: 'https://sp.example.org/slo',
      nameId: { value: 'n"<&', format: 'persistent' },
      sessionIndex: '_s1',
      now: new Date(),
    });
    const response = buildLogoutResponse({
      idpEntityId: base.idpEntityId,
      destination: 'https://sp.example.org/slo',
      inResponseTo: '_q',
      status: { top: 'Success', second: 'PartialLogout' },
      now: new Date(),
    });
    for (const m of [request, response]) {
      expect(verifierC14n(parse(m.xml))).to.equal(m.xml);
      expect(checkEverySignature(signed(m.element, signing).doc, signing.certPem)).to.equal(1);
    }
  });
});
