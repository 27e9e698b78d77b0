import { expect } from 'chai';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '@idp/observability';
import { parseXml } from '@idp/saml';
import { selfSignedCertificate } from '@idp/testing';
import { idpMetadataXml } from './idp-metadata.js';
import { loadSigningIdentity } from './keys.js';

const log = createLogger({ service: 'test', level: 'silent' });
const endpoints = {
  entityId: 'https://login.example.si/saml/metadata',
  ssoUrl: 'https://login.example.si/saml/sso',
  sloUrl: 'https://login.example.si/saml/slo',
};

describe('idp-gateway signing identity and metadata', function () {
  this.timeout(20_000);
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'idp-keys-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('generates a development key once, private to the owner, and metadata stays identical across restarts', async () => {
    const files = {
      keyFile: join(dir, 'k.pem'),
      certFile: join(dir, 'c.pem'),
      generateIfMissing: true,
      commonName: 'login.example.si',
      log,
    };
    const first = await loadSigningIdentity(files);
    const second = await loadSigningIdentity(files);
    expect(statSync(files.keyFile).mode & 0o077).to.equal(0);
    const xml = (id: typeof first) =>
      idpMetadataXml(endpoints, { certBase64: id.certBase64, wantAuthnRequestsSigned: false });
    expect(xml(second)).to.equal(xml(first));
    const doc = parseXml(xml(first), 65536);
    expect(doc.documentElement!.getAttribute('entityID')).to.equal(endpoints.entityId);
    const sso = Array.from(
      doc.getElementsByTagNameNS('urn:oasis:names:tc:SAML:2.0:metadata', 'SingleSignOnService'),
    );
    expect(sso.map((e) => e.getAttribute('Binding')!.split(':').pop())).to.deep.equal([
      'HTTP-Redirect',
      'HTTP-POST',
    ]);
    const certs = doc.getElementsByTagNameNS('http://www.w3.org/2000/09/xmldsig#', 'X509Certificate');
    expect(certs[0]!.textContent).to.equal(first.certBase64);
  });

  it('refuses to run without key files when generation is off (production)', async () => {
    const err = await loadSigningIdentity({
      keyFile: join(dir, 'k.pem'),
      certFile: join(dir, 'c.pem'),
      generateIfMissing: false,
      commonName: 'x',
      log,
    }).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(Error).with.property('message').that.contains('missing');
  });

  it('refuses a key that does not belong to the certificate', async () => {
    const a = await selfSignedCertificate();
    const b = await selfSignedCertificate();
    writeFileSync(join(dir, 'k.pem'), a.keyPem);
    writeFileSync(join(dir, 'c.pem'), b.certPem);
    const err = await loadSigningIdentity({
      keyFile: join(dir, 'k.pem'),
      certFile: join(dir, 'c.pem'),
      generateIfMissing: false,
      commonName: 'x',
      log,
    }).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(Error).with.property('message').that.contains('does not match');
  });
});
