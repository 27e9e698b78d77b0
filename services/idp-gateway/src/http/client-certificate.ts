import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { X509Certificate } from 'node:crypto';
import { TLSSocket, type DetailedPeerCertificate } from 'node:tls';
import type { Logger } from '@idp/observability';
import type { Express, HttpServer, Request } from '@idp/web';

/** A client certificate as the activation service wants it: the leaf and what the client sent with it. */
export interface ClientCertificate {
  certificatePem: string;
  chainPem: string[];
}

export interface ClientCertificateSource {
  /** Request header a trusted reverse proxy puts the URL-encoded PEM in (nginx `$ssl_client_escaped_cert`). */
  header?: string | undefined;
  /** The header is believed only when the gateway is configured to sit behind a proxy. */
  trustProxy: boolean;
}

const MAX_CHAIN = 5;
const derToPem = (der: Buffer) => new X509Certificate(der).toString();

/**
 * The certificate the browser presented: from the TLS handshake on the mTLS listener, or from the
 * trusted proxy's header when the request came through that proxy. Never judged here: the
 * activation service checks the chain, validity, revocation and tax number, and says precisely why
 * it refuses.
 */
export function clientCertificate(req: Request, o: ClientCertificateSource): ClientCertificate | undefined {
  const socket = req.socket;
  if (socket instanceof TLSSocket) {
    const peer = socket.getPeerCertificate(true);
    if (!peer?.raw) return undefined;
    const chainPem: string[] = [];
    let at: DetailedPeerCertificate = peer;
    // Node links the chain it received leaf → issuer; a self-issued certificate links to itself.
    while (at.issuerCertificate && at.issuerCertificate !== at && chainPem.length < MAX_CHAIN) {
      at = at.issuerCertificate;
      if (at.raw) chainPem.push(derToPem(at.raw));
    }
    return { certificatePem: derToPem(peer.raw), chainPem };
  }
  if (!o.header || !o.trustProxy) return undefined;
  // Only the proxy's own connection may vouch for a certificate: `trust proxy` decides who that is.
  const trusted = req.app.get('trust proxy fn') as ((addr: string, i: number) => boolean) | undefined;
  if (!trusted?.(socket.remoteAddress ?? '', 0)) return undefined;
  const value = req.headers[o.header.toLowerCase()];
  if (typeof value !== 'string' || value === '' || value.length > 40_000) return undefined;
  let pem: string;
  try {
    pem = decodeURIComponent(value);
  } catch {
    return undefined;
  }
  return pem.includes('-----BEGIN CERTIFICATE-----') ? { certificatePem: pem, chainPem: [] } : undefined;
}

export interface MtlsOptions {
  host: string;
  port: number;
  keyFile: string;
  certFile: string;
  /** CAs named in the CertificateRequest, so browsers offer the right certificates. */
  caFile?: string | undefined;
  log: Logger;
}

/**
 * The optional HTTPS listener that asks for a client certificate. It does not reject any: a
 * missing or untrusted certificate reaches the route, which passes it to activation (or says none
 * came), so the citizen gets the precise reason instead of a TLS alert.
 */
export async function listenMtls(app: Express, o: MtlsOptions): Promise<HttpServer> {
  const server: Server = createServer(
    {
      key: readFileSync(o.keyFile),
      cert: readFileSync(o.certFile),
      ...(o.caFile ? { ca: readFileSync(o.caFile) } : {}),
      requestCert: true,
      rejectUnauthorized: false,
      minVersion: 'TLSv1.2',
    },
    app,
  );
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host, () => resolve());
  });
  server.keepAliveTimeout = 5000;
  const { port } = server.address() as AddressInfo;
  const url = `https://${o.host}:${port}`;
  o.log.info({ url }, 'mTLS listener listening');
  return {
    url,
    port,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeIdleConnections();
      }),
  };
}
