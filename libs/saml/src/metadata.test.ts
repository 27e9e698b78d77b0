import { expect } from 'chai';
import { selfSignedCertificate, type TestCertificate } from '@idp/testing';
import { MetadataError, parseSpMetadata } from './metadata.js';
import { spMetadataXml } from './__fixtures__/sp-metadata.js';

const problemsOf = (fn: () => unknown): string[] => {
  try {
    fn();
  } catch (err) {
    expect(err).to.be.instanceOf(MetadataError);
    return (err as MetadataError).problems;
  }
  expect.fail('expected MetadataError');
};

describe('saml parseSpMetadata()', () => {
  let cert: TestCertificate;
  before(async () => {
    cert = await selfSignedCertificate({ commonName: 'sp' });
  });

  it('reads entityID, signing certificate, POST ACS endpoints, SLO and NameID formats', () => {
    const md = parseSpMetadata(spMetadataXml({ cert, signed: true }));
    expect(md.entityId).to.equal('https://sp.example.org/saml');
    expect(md.authnRequestsSigned).to.equal(true);
    expect(md.signingCertificates).to.have.length(1);
    expect(md.signingCertificates[0]).to.contain('BEGIN CERTIFICATE');
    expect(md.assertionConsumerServices).to.deep.equal([
      { index: 0, url: 'https://sp.example.org/saml/acs', binding: 'post', isDefault: true },
    ]);
    expect(md.singleLogoutServices).to.deep.equal([
      { url: 'https://sp.example.org/saml/slo', binding: 'redirect' },
    ]);
    expect(md.nameIdFormats).to.deep.equal(['urn:oasis:names:tc:SAML:2.0:nameid-format:persistent']);
  });

  it('refuses a DOCTYPE before parsing (XXE, entity expansion)', () => {
    const xml = spMetadataXml({}).replace(
      '<?xml version="1.0"?>',
      '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>',
    );
    expect(problemsOf(() => parseSpMetadata(xml))[0]).to.contain('DOCTYPE');
  });

  it('lists every problem at once: plain-http ACS, signed requests without a key, expiry', () => {
    const problems = problemsOf(() =>
      parseSpMetadata(
        spMetadataXml({ acs: 'http://sp.example.org/acs', signed: true, validUntil: '2001-01-01T00:00:00Z' }),
      ),
    );
    expect(problems.join('\n'))
      .to.match(/must use https/)
      .and.match(/no signing certificate/)
      .and.match(/expired/);
  });

  it('accepts plain http on loopback (development SPs)', () => {
    expect(
      parseSpMetadata(spMetadataXml({ acs: 'http://localhost:8081/acs' })).assertionConsumerServices[0]!.url,
    ).to.equal('http://localhost:8081/acs');
  });

  it('refuses an expired certificate and one that does not parse', async () => {
    const old = await selfSignedCertificate({
      notBefore: new Date('2020-01-01'),
      notAfter: new Date('2021-01-01'),
    });
    expect(problemsOf(() => parseSpMetadata(spMetadataXml({ cert: old }))).join()).to.contain('expired');
    const broken = spMetadataXml({ cert }).replace(cert.certBase64, 'bm90IGEgY2VydA==');
    expect(problemsOf(() => parseSpMetadata(broken)).join()).to.contain('does not parse');
  });

  it('refuses an EntitiesDescriptor with a clear message', () => {
    const xml = '<md:EntitiesDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata"/>';
    expect(problemsOf(() => parseSpMetadata(xml))[0]).to.contain(
      'register each SP by its own EntityDescriptor',
    );
  });
});
