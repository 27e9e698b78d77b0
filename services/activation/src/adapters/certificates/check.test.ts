import { expect } from 'chai';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCa, createClientCertificate, createCrl, type TestCa } from '../../testing/certificates.js';
import { checkClientCertificate, loadTrustAnchors, type TrustAnchors } from './check.js';

const TAX = '50223054';
const NOW = new Date();
const DAY = 86_400_000;

describe('activation adapters/certificates checkClientCertificate()', function () {
  this.timeout(20_000);
  let dir: string;
  let ca: TestCa;
  let other: TestCa;
  let trust: TrustAnchors;

  const trustWith = async (
    o: { crls?: { pem?: string; der?: Buffer }[]; requireCrl?: boolean; ca?: TestCa[] } = {},
  ) => {
    const caFile = join(dir, `ca-${Math.random()}.pem`);
    await writeFile(caFile, (o.ca ?? [ca]).map((c) => c.pem).join('\n'));
    const crlFiles: string[] = [];
    for (const [i, crl] of (o.crls ?? []).entries()) {
      const f = join(dir, `crl-${Math.random()}-${i}.${crl.pem ? 'pem' : 'der'}`);
      await writeFile(f, crl.pem ?? crl.der!);
      crlFiles.push(f);
    }
    return loadTrustAnchors({ caFiles: [caFile], crlFiles, requireCrl: o.requireCrl ?? false });
  };
  const check = async (pem: string, t: TrustAnchors = trust, chainPem: string[] = []) =>
    checkClientCertificate({ certificatePem: pem, chainPem }, t, NOW, TAX);

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'activation-certs-'));
    ca = await createCa({ name: 'Test Qualified CA' });
    other = await createCa({ name: 'Someone Else CA' });
    trust = await trustWith({ crls: [await createCrl(ca)] });
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('accepts a current certificate of a trusted CA with the right tax number', async () => {
    const cert = await createClientCertificate(ca, { taxNumber: TAX });
    const r = await check(cert.pem);
    expect(r).to.deep.include({ ok: true, taxNumber: TAX });
    expect(r.ok && r.issuer).to.contain('CN=Test Qualified CA');
    expect(r.ok && BigInt(`0x${r.serialNumber}`)).to.equal(BigInt(`0x${cert.serialNumber}`));
  });

  it("gives the subject's given name and surname when it carries one of each", async () => {
    const named = await createClientCertificate(ca, { taxNumber: TAX, givenName: 'Ana', surname: 'Čuk' });
    expect(await check(named.pem)).to.deep.include({ ok: true, givenName: 'Ana', surname: 'Čuk' });
    const unnamed = await check((await createClientCertificate(ca, { taxNumber: TAX })).pem);
    expect(unnamed.ok).to.equal(true);
    expect(unnamed).not.to.have.property('givenName');
    expect(unnamed).not.to.have.property('surname');
  });

  it('refuses another tax number, or a subject without a TINSI one', async () => {
    expect(await check((await createClientCertificate(ca, { taxNumber: '98511734' })).pem)).to.deep.include({
      ok: false,
      reason: 'subject_mismatch',
    });
    expect(await check((await createClientCertificate(ca, { serialSubject: TAX })).pem)).to.deep.include({
      ok: false,
      reason: 'subject_mismatch',
    });
    expect(await check((await createClientCertificate(ca, {})).pem)).to.deep.include({
      reason: 'subject_mismatch',
    });
  });

  it('refuses a certificate from a CA that is not trusted', async () => {
    const cert = await createClientCertificate(other, { taxNumber: TAX });
    expect(await check(cert.pem)).to.deep.include({ ok: false, reason: 'untrusted' });
  });

  it('refuses everything when no CA is configured or the CA file is missing', async () => {
    const cert = await createClientCertificate(ca, { taxNumber: TAX });
    const none = await loadTrustAnchors({
      caFiles: [join(dir, 'absent.pem')],
      crlFiles: [],
      requireCrl: false,
    });
    expect(none.problems).to.have.length(1);
    expect(await check(cert.pem, none)).to.deep.include({
      ok: false,
      reason: 'untrusted',
      detail: 'no trusted CA is configured',
    });
  });

  it('refuses an expired and a not yet valid certificate', async () => {
    const expired = await createClientCertificate(ca, {
      taxNumber: TAX,
      notBefore: new Date(NOW.getTime() - 400 * DAY),
      notAfter: new Date(NOW.getTime() - DAY),
    });
    expect(await check(expired.pem)).to.deep.include({ ok: false, reason: 'expired' });
    const early = await createClientCertificate(ca, {
      taxNumber: TAX,
      notBefore: new Date(NOW.getTime() + DAY),
    });
    expect(await check(early.pem)).to.deep.include({ ok: false, reason: 'not_yet_valid' });
  });

  it('refuses a certificate the CA revoked, from a PEM or a DER CRL', async () => {
    const revoked = await createClientCertificate(ca, { taxNumber: TAX });
    const good = await createClientCertificate(ca, { taxNumber: TAX });
    const crl = await createCrl(ca, { revoked: [revoked.serialNumber] });
    for (const file of [{ pem: crl.pem }, { der: crl.der }]) {
      const t = await trustWith({ crls: [file] });
      expect(t.problems).to.deep.equal([]);
      expect(await check(revoked.pem, t)).to.deep.include({ ok: false, reason: 'revoked' });
      expect(await check(good.pem, t)).to.deep.include({ ok: true });
    }
  });

  it('ignores a CRL signed by another key, and with requireCrl refuses when no current CRL vouches', async () => {
    const cert = await createClientCertificate(ca, { taxNumber: TAX });
    const forged = await createCrl({ ...other, cert: ca.cert } as TestCa, { revoked: [cert.serialNumber] });
    expect(await check(cert.pem, await trustWith({ crls: [forged] }))).to.deep.include({ ok: true });
    expect(await check(cert.pem, await trustWith({ crls: [forged], requireCrl: true }))).to.deep.include({
      ok: false,
      reason: 'untrusted',
    });
    const stale = await createCrl(ca, {
      thisUpdate: new Date(NOW.getTime() - 40 * DAY),
      nextUpdate: new Date(NOW.getTime() - 10 * DAY),
    });
    expect(await check(cert.pem, await trustWith({ crls: [stale], requireCrl: true }))).to.deep.include({
      reason: 'untrusted',
    });
    expect(
      await check(cert.pem, await trustWith({ crls: [await createCrl(ca)], requireCrl: true })),
    ).to.deep.include({
      ok: true,
    });
  });

  it('follows an intermediate the client sends, and refuses without it', async () => {
    const sub = await createCa({ name: 'Test Issuing CA', parent: ca });
    const cert = await createClientCertificate(sub, { taxNumber: TAX });
    expect(await check(cert.pem, trust, [sub.pem])).to.deep.include({ ok: true });
    expect(await check(cert.pem, trust)).to.deep.include({ ok: false, reason: 'untrusted' });
    const revokedSub = await trustWith({ crls: [await createCrl(ca, { revoked: [sub.cert.serialNumber] })] });
    expect(await check(cert.pem, revokedSub, [sub.pem])).to.deep.include({ ok: false, reason: 'revoked' });
  });

  it('refuses malformed input, a CA certificate and one not meant for client authentication', async () => {
    expect(await check('not a certificate')).to.deep.include({ ok: false, reason: 'malformed' });
    expect(await check(ca.pem)).to.deep.include({ ok: false, reason: 'untrusted' });
    const server = await createClientCertificate(ca, { taxNumber: TAX, eku: ['1.3.6.1.5.5.7.3.1'] });
    expect(await check(server.pem)).to.deep.include({ ok: false, reason: 'untrusted' });
  });
});
