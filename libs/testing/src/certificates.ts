import { createSelfSignedCertificate, type SelfSignedCertificate } from '@idp/x509';

export type TestCertificate = SelfSignedCertificate;

/** A fresh RSA key and self-signed certificate for a test (CN `test` unless given). */
export function selfSignedCertificate(
  o: { commonName?: string; notBefore?: Date; notAfter?: Date } = {},
): Promise<TestCertificate> {
  return createSelfSignedCertificate({ ...o, commonName: o.commonName ?? 'test' });
}
