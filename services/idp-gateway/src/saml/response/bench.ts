// Micro-benchmark: signed Responses built per second (`node --conditions=source --import tsx <this file>`).
import { signingIdentity } from '../keys.js';
import { createSelfSignedCertificate } from '@idp/x509';
import { buildSuccessResponse, pairwiseNameId } from './build-response.js';

// RSA-3072 is the key size the gateway generates for development; RSA-2048 for comparison.
for (const rsaBits of [2048, 3072]) {
  const c = await createSelfSignedCertificate({ commonName: 'bench', rsaBits });
  const signing = signingIdentity(c.keyPem, c.certPem);
  const build = (signResponse: boolean) =>
    buildSuccessResponse({
      idpEntityId: 'https://login.example.si/saml/metadata',
      signing,
      spEntityId: 'https://sp.example.org/saml',
      acsUrl: 'https://sp.example.org/saml/acs',
      inResponseTo: '_r',
      signResponse,
      now: new Date(),
      nameId: { value: pairwiseNameId('k'.repeat(32), 'acc', 'sp'), format: 'persistent' },
      authn: { instant: new Date(), sessionIndex: '_s', loa: 'substantial' },
      attributes: {
        given_name: 'Ana',
        family_name: 'Novak',
        tax_number: '50223054',
        birth_date: '1990-01-01',
        email: 'ana@example.si',
      },
    });
  for (const signResponse of [false, true]) {
    for (let i = 0; i < 50; i++) build(signResponse);
    const n = 500;
    const cpu0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < n; i++) build(signResponse);
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    const cpu = process.cpuUsage(cpu0);
    const label = signResponse ? 'assertion + response signed' : 'assertion signed';
    process.stdout.write(
      `${label}: ${(n / (ms / 1000)).toFixed(0)} responses/s, ${(ms / n).toFixed(2)} ms wall, ${((cpu.user + cpu.system) / 1000 / n).toFixed(2)} ms CPU each (RSA-${rsaBits})\n`,
    );
  }
}
