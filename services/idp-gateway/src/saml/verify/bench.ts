/* eslint-disable no-console -- a command-line benchmark: printing is its output */
// Micro-benchmark of the request verifier: decode + DTD check + XSD validation + parse + signature
// check + the remaining checks (in-memory replay cache) for typical signed AuthnRequests.
//   node --conditions=source --import tsx services/idp-gateway/src/saml/verify/bench.ts [seconds]
import { performance } from 'node:perf_hooks';
import * as f from './__fixtures__/saml-requests.js';
import { loadSamlSchemas } from './schema.js';
import type { SamlRequestInput } from './types.js';
import { verifyAuthnRequest } from './verify-authn-request.js';

const seconds = Number(process.argv[2] ?? 3);

// A typical SP request: ACS URL + binding, NameIDPolicy, RequestedAuthnContext, RelayState.
const request = (id: string, destination: string) =>
  f.authnRequestXml({
    id,
    destination,
    acsUrl: f.ACS_URL,
    protocolBinding: f.BINDING_URI.post,
    nameIdFormat: 'urn:oasis:names:tc:SAML:2.0:nameid-format:persistent',
    allowCreate: true,
    requestedAuthnContext: { comparison: 'minimum', classRefs: ['http://eidas.europa.eu/LoA/substantial'] },
  });

async function run(
  name: string,
  key: f.TestKeyPair,
  make: (id: string) => SamlRequestInput,
  authnRequestsSigned = true,
): Promise<void> {
  const ctx = f.memoryContext([f.registeredSp({ keys: [key], authnRequestsSigned })], {
    // The loop reuses a few prepared messages, which a real replay cache would (rightly) refuse.
    seenRequestId: async () => false,
  });
  const inputs = Array.from({ length: 64 }, (_, i) => make(`_bench${i}`));
  for (let i = 0; i < 500; i++) await verifyAuthnRequest(inputs[i % inputs.length]!, ctx); // JIT warm-up

  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  let n = 0;
  while (performance.now() - t0 < seconds * 1000) {
    for (let i = 0; i < 100; i++) await verifyAuthnRequest(inputs[n++ % inputs.length]!, ctx);
  }
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const cpuMs = (cpu.user + cpu.system) / 1000;
  const bytes = JSON.stringify(inputs[0]).length;
  console.log(
    `${name.padEnd(30)} ${String(Math.round((n / wallMs) * 1000)).padStart(6)} requests/s  ` +
      `${(wallMs / n).toFixed(3)} ms/request (wall)  ${(cpuMs / n).toFixed(3)} ms/request (CPU)  ` +
      `n=${n}, ~${bytes} bytes on the wire`,
  );
}

const t = performance.now();
loadSamlSchemas();
console.log(`XSD compile (once, at start-up): ${(performance.now() - t).toFixed(1)} ms`);

const rsa = await f.testKeyPair();
const ec = await f.testKeyPair({ keyType: 'ec' });
await run('signed POST (RSA-SHA256)', rsa, (id) => ({
  binding: 'post',
  samlRequest: f.postEncode(f.signXml(request(id, f.IDP_SSO.post), { key: rsa })),
  relayState: 'ss:mem:4f1c2a9e',
}));
await run('signed Redirect (RSA-SHA256)', rsa, (id) => ({
  binding: 'redirect',
  rawQuery: f.redirectQuery(request(id, f.IDP_SSO.redirect), { key: rsa, relayState: 'ss:mem:4f1c2a9e' }),
}));
await run('signed POST (ECDSA-SHA256)', ec, (id) => ({
  binding: 'post',
  samlRequest: f.postEncode(
    f.signXml(request(id, f.IDP_SSO.post), { key: ec, signatureAlgorithm: f.ALG.ecdsaSha256 }),
  ),
}));
await run(
  'unsigned POST (for comparison)',
  rsa,
  (id) => ({ binding: 'post', samlRequest: f.postEncode(request(id, f.IDP_SSO.post)) }),
  false,
);
