import { expect } from 'chai';
import { SignedXml } from 'xml-crypto';
import { verifyAuthnRequest } from './verify-authn-request.js';
import {
  ALG,
  authnRequestXml,
  memoryContext,
  postEncode,
  refusal,
  registeredSp,
  signXml,
  testKeyPair,
  type TestKeyPair,
} from './__fixtures__/saml-requests.js';

describe('saml/verify enveloped signature (HTTP-POST)', function () {
  this.timeout(20_000);
  let sp: TestKeyPair;
  let other: TestKeyPair;
  let ec: TestKeyPair;
  let weak: TestKeyPair;
  before(async () => {
    [sp, other, ec, weak] = await Promise.all([
      testKeyPair(),
      testKeyPair({ cn: 'attacker' }),
      testKeyPair({ keyType: 'ec' }),
      testKeyPair({ rsaBits: 1024 }),
    ]);
  });

  const verify = (xml: string, keys: TestKeyPair[] = [sp]) =>
    verifyAuthnRequest(
      { binding: 'post', samlRequest: postEncode(xml) },
      memoryContext([registeredSp({ keys })]),
    );
  const codeOf = async (xml: string, keys?: TestKeyPair[]) => (await refusal(verify(xml, keys))).code;

  describe('accepts what SAML libraries produce', () => {
    it('RSA-SHA256, RSA-SHA384 and RSA-SHA512 with SHA-256 or SHA-512 digests', async () => {
      for (const [signatureAlgorithm, digestAlgorithm] of [
        [ALG.rsaSha256, ALG.sha256],
        [ALG.rsaSha384, ALG.sha256],
        [ALG.rsaSha512, ALG.sha512],
      ] as const) {
        const r = await verify(signXml(authnRequestXml(), { key: sp, signatureAlgorithm, digestAlgorithm }));
        expect(r.signed, signatureAlgorithm).to.equal(true);
      }
    });

    it('ECDSA-SHA256 with an EC P-256 key', async () => {
      const r = await verify(signXml(authnRequestXml(), { key: ec, signatureAlgorithm: ALG.ecdsaSha256 }), [
        ec,
      ]);
      expect(r.signed).to.equal(true);
    });

    it('an InclusiveNamespaces PrefixList on the exclusive c14n transform', async () => {
      // xml-crypto puts the PrefixList on both transforms; the enveloped one ignores it.
      const xml = authnRequestXml().replace(
        '<samlp:AuthnRequest ',
        '<samlp:AuthnRequest xmlns:xs="http://www.w3.org/2001/XMLSchema" ',
      );
      const signed = signWithPrefixList(xml, sp);
      expect(signed).to.contain('PrefixList="xs"');
      expect((await verify(signed)).signed).to.equal(true);
    });

    it('a request in the default namespace with an unprefixed Signature', async () => {
      const xml = authnRequestXml()
        .replace(/samlp:/g, '')
        .replace('xmlns:samlp=', 'xmlns=');
      const signed = signXml(xml, { key: sp });
      const unprefixed = new SignedXml({
        privateKey: sp.privateKey,
        signatureAlgorithm: ALG.rsaSha256,
        canonicalizationAlgorithm: ALG.excC14n,
        getKeyInfoContent: () => null,
      });
      unprefixed.addReference({
        xpath: '/*',
        digestAlgorithm: ALG.sha256,
        transforms: [ALG.enveloped, ALG.excC14n],
      });
      unprefixed.computeSignature(xml, {
        location: { reference: "/*/*[local-name(.)='Issuer']", action: 'after' },
      });
      expect((await verify(signed)).signed).to.equal(true);
      expect((await verify(unprefixed.getSignedXml())).signed).to.equal(true);
    });

    it('the second of two registered certificates (key rollover)', async () => {
      const r = await verify(signXml(authnRequestXml(), { key: sp }), [other, sp]);
      expect(r.signed).to.equal(true);
    });
  });

  describe('agrees with xml-crypto SignedXml.checkSignature', () => {
    const variants: [string, (xml: string) => string][] = [
      ['as signed', (x) => x],
      [
        'an unused namespace declaration added (dropped by exclusive c14n)',
        (x) => x.replace('<samlp:AuthnRequest ', '<samlp:AuthnRequest xmlns:foo="urn:foo" '),
      ],
      ['an attribute changed', (x) => x.replace('IssueInstant="2026', 'IssueInstant="2025')],
      [
        'an attribute added',
        (x) => x.replace('<samlp:AuthnRequest ', '<samlp:AuthnRequest ForceAuthn="true" '),
      ],
      ['whitespace added between elements', (x) => x.replace('</saml:Issuer>', '</saml:Issuer> ')],
      ['SignedInfo changed', (x) => x.replace('<ds:SignedInfo>', '<ds:SignedInfo Id="x">')],
      [
        'a comment added inside the Issuer',
        (x) => x.replace('https://sp.example.org/saml<', 'https://sp.example.org/saml<!--c--><'),
      ],
    ];
    for (const [name, change] of variants) {
      it(name, async () => {
        const xml = change(signXml(authnRequestXml(), { key: sp }));
        const reference = new SignedXml({ publicCert: sp.certPem });
        reference.loadSignature(/<ds:Signature[^]*<\/ds:Signature>/.exec(xml)![0]);
        let theirs: boolean;
        try {
          theirs = reference.checkSignature(xml);
        } catch {
          theirs = false;
        }
        const ours = await verify(xml).then(
          () => true,
          () => false,
        );
        expect(ours).to.equal(theirs);
      });
    }
  });

  describe('refuses', () => {
    it('a signature by another key, and one whose KeyInfo carries that key, with saml.signature_invalid', async () => {
      expect(await codeOf(signXml(authnRequestXml(), { key: other }))).to.equal('saml.signature_invalid');
      expect(
        await codeOf(signXml(authnRequestXml(), { key: other, keyInfoCertPem: other.certPem })),
      ).to.equal('saml.signature_invalid');
    });

    it('a signature by a registered key weaker than RSA-2048 with saml.signature_invalid', async () => {
      expect(await codeOf(signXml(authnRequestXml(), { key: weak }), [weak])).to.equal(
        'saml.signature_invalid',
      );
    });

    it('SHA-1, HMAC and a SHA-1 digest with saml.signature_algorithm_forbidden', async () => {
      expect(
        await codeOf(
          signXml(authnRequestXml(), { key: sp, signatureAlgorithm: ALG.rsaSha1, digestAlgorithm: ALG.sha1 }),
        ),
      ).to.equal('saml.signature_algorithm_forbidden');
      expect(await codeOf(signXml(authnRequestXml(), { key: sp, digestAlgorithm: ALG.sha1 }))).to.equal(
        'saml.signature_algorithm_forbidden',
      );
      expect(
        await codeOf(
          signXml(authnRequestXml(), { key: sp, hmacKey: sp.certPem, signatureAlgorithm: ALG.hmacSha1 }),
        ),
      ).to.equal('saml.signature_algorithm_forbidden');
    });

    const profileCases: [string, () => string][] = [
      ['a Reference to the whole document (URI="")', () => signEmptyUri(authnRequestXml(), sp)],
      [
        'only the enveloped-signature transform',
        () => signXml(authnRequestXml(), { key: sp, transforms: [ALG.enveloped] }),
      ],
      [
        'inclusive c14n as a transform',
        () => signXml(authnRequestXml(), { key: sp, transforms: [ALG.enveloped, ALG.c14n] }),
      ],
      [
        'exclusive c14n with comments',
        () => signXml(authnRequestXml(), { key: sp, transforms: [ALG.enveloped, ALG.excC14nWithComments] }),
      ],
      [
        'inclusive c14n for SignedInfo',
        () => signXml(authnRequestXml(), { key: sp, canonicalizationAlgorithm: ALG.c14n }),
      ],
      [
        'an XPath transform',
        () =>
          signXml(authnRequestXml(), { key: sp }).replace(
            `<ds:Transform Algorithm="${ALG.excC14n}"/>`,
            `<ds:Transform Algorithm="${ALG.excC14n}"/><ds:Transform Algorithm="http://www.w3.org/TR/1999/REC-xpath-19991116"><ds:XPath>1</ds:XPath></ds:Transform>`,
          ),
      ],
      [
        'a ds:Object',
        () =>
          signXml(authnRequestXml(), { key: sp }).replace(
            '</ds:Signature>',
            '<ds:Object>x</ds:Object></ds:Signature>',
          ),
      ],
      [
        'HMACOutputLength in SignatureMethod',
        () =>
          signXml(authnRequestXml(), { key: sp }).replace(
            `<ds:SignatureMethod Algorithm="${ALG.rsaSha256}"/>`,
            `<ds:SignatureMethod Algorithm="${ALG.rsaSha256}"><ds:HMACOutputLength>8</ds:HMACOutputLength></ds:SignatureMethod>`,
          ),
      ],
    ];
    for (const [name, make] of profileCases) {
      it(`${name} with saml.signature_profile_violation`, async () => {
        expect(await codeOf(make())).to.equal('saml.signature_profile_violation');
      });
    }

    it('a Signature anywhere but right after Issuer with saml.schema_invalid (the schema fixes its place)', async () => {
      const xml = signXml(
        authnRequestXml({ nameIdFormat: 'urn:oasis:names:tc:SAML:2.0:nameid-format:persistent' }),
        {
          key: sp,
          location: { reference: '/*', action: 'append' },
        },
      );
      expect(await codeOf(xml)).to.equal('saml.schema_invalid');
    });
  });
});

function signEmptyUri(xml: string, key: TestKeyPair): string {
  const sig = new SignedXml({
    privateKey: key.privateKey,
    signatureAlgorithm: ALG.rsaSha256,
    canonicalizationAlgorithm: ALG.excC14n,
    getKeyInfoContent: () => null,
  });
  sig.addReference({
    xpath: '/*',
    isEmptyUri: true,
    digestAlgorithm: ALG.sha256,
    transforms: [ALG.enveloped, ALG.excC14n],
  });
  sig.computeSignature(xml, {
    prefix: 'ds',
    location: { reference: "/*/*[local-name(.)='Issuer']", action: 'after' },
  });
  return sig.getSignedXml();
}

function signWithPrefixList(xml: string, key: TestKeyPair): string {
  const sig = new SignedXml({
    privateKey: key.privateKey,
    signatureAlgorithm: ALG.rsaSha256,
    canonicalizationAlgorithm: ALG.excC14n,
    getKeyInfoContent: () => null,
  });
  sig.addReference({
    xpath: '/*',
    digestAlgorithm: ALG.sha256,
    transforms: [ALG.enveloped, ALG.excC14n],
    inclusiveNamespacesPrefixList: ['xs'],
  });
  sig.computeSignature(xml, {
    prefix: 'ds',
    location: { reference: "/*/*[local-name(.)='Issuer']", action: 'after' },
  });
  return sig.getSignedXml();
}
