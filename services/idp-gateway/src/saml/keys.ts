import { createPrivateKey, X509Certificate, type KeyObject } from 'node:crypto';
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { createSelfSignedCertificate } from '@idp/x509';
import type { Logger } from '@idp/observability';

/** The IdP's signing identity. The key stays a KeyObject: signing with it skips a PEM parse per response. */
export interface SigningIdentity {
  privateKey: KeyObject;
  keyPem: string;
  certPem: string;
  /** Base64 DER, as metadata and KeyInfo carry it. */
  certBase64: string;
  notAfter: Date;
}

/** The identity of a key and its certificate; refuses a key that does not match. */
export function signingIdentity(keyPem: string, certPem: string): SigningIdentity {
  const cert = new X509Certificate(certPem);
  const privateKey = createPrivateKey(keyPem);
  if (!cert.checkPrivateKey(privateKey)) throw new Error('IdP signing key does not match its certificate');
  return {
    privateKey,
    keyPem,
    certPem,
    certBase64: cert.raw.toString('base64'),
    notAfter: new Date(cert.validTo),
  };
}

const exists = (path: string) =>
  readFile(path).then(
    () => true,
    () => false,
  );

/**
 * Loads the IdP key and certificate. In development, when the files are missing, makes a key and
 * a self-signed certificate once and keeps them (so metadata stays the same across restarts);
 * production must be given both files.
 */
export async function loadSigningIdentity(o: {
  keyFile: string;
  certFile: string;
  generateIfMissing: boolean;
  commonName: string;
  log: Logger;
}): Promise<SigningIdentity> {
  if (!(await exists(o.keyFile)) || !(await exists(o.certFile))) {
    if (!o.generateIfMissing)
      throw new Error(`IdP signing key or certificate missing: ${o.keyFile}, ${o.certFile}`);
    await generate(o);
  }
  const identity = signingIdentity(await readFile(o.keyFile, 'utf8'), await readFile(o.certFile, 'utf8'));
  const daysLeft = (identity.notAfter.getTime() - Date.now()) / 86_400_000;
  if (daysLeft < 30)
    o.log.warn({ notAfter: identity.notAfter.toISOString() }, 'IdP signing certificate expires soon');
  return identity;
}

async function generate(o: {
  keyFile: string;
  certFile: string;
  commonName: string;
  log: Logger;
}): Promise<void> {
  const { keyPem, certPem } = await createSelfSignedCertificate({
    commonName: `${o.commonName} (development signing key)`,
    rsaBits: 3072,
    notAfter: new Date(Date.now() + 5 * 365 * 86_400_000),
  });
  await mkdir(dirname(o.keyFile), { recursive: true });
  await mkdir(dirname(o.certFile), { recursive: true });
  // Several gateway instances may start at once: exclusive create decides who writes, and the
  // rename makes the pair appear whole. The certificate goes last; readers wait for both files.
  const claim = await open(`${o.keyFile}.lock`, 'wx').catch(() => undefined);
  if (!claim) {
    for (let i = 0; i < 100 && !((await exists(o.keyFile)) && (await exists(o.certFile))); i++)
      await new Promise((r) => setTimeout(r, 50));
    return;
  }
  try {
    await writePrivate(o.keyFile, keyPem);
    await writePrivate(o.certFile, certPem);
    o.log.warn(
      { keyFile: o.keyFile, certFile: o.certFile },
      'generated a DEVELOPMENT IdP signing key; production needs real key files',
    );
  } finally {
    await claim.close();
    await rm(`${o.keyFile}.lock`, { force: true });
  }
}

async function writePrivate(path: string, content: string): Promise<void> {
  const tmp = `${path}.${process.pid}.tmp`;
  const f = await open(tmp, 'w', 0o600);
  await f.writeFile(content);
  await f.close();
  await rename(tmp, path);
}
