import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SAML, ValidateInResponseTo, type Profile } from '@node-saml/node-saml';
import express from 'express';
import { ATTRIBUTES, defaultPolicy, saveSp, type SpPolicy } from '@idp/saml';

export interface DemoSpOptions {
  /** Where the gateway's metadata lives, e.g. http://localhost:8080/saml/metadata. */
  idpMetadataUrl: string;
  /** Public base URL of this SP, e.g. http://localhost:8081. */
  baseUrl: string;
  port: number;
  host?: string;
  /** Registers this SP there (the gateway picks it up without a restart). */
  registryDir: string;
  policy?: Partial<SpPolicy>;
  /** PEM key and certificate this SP signs AuthnRequests with; unsigned requests when absent. */
  signing?: { keyPem: string; certPem: string };
  entityId?: string;
}

export interface DemoSp {
  entityId: string;
  url: string;
  saml: SAML;
  close(): Promise<void>;
}

const escapeHtml = (s: string) => s.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
const FRIENDLY = new Map<string, string>(Object.values(ATTRIBUTES).map((a) => [a.name, a.friendlyName]));

/** Reads the IdP's SSO URL and signing certificate from its metadata, as any SP would. */
async function idpFromMetadata(
  url: string,
): Promise<{ entityId: string; ssoUrl: string; sloUrl: string; cert: string }> {
  const xml = await (await fetch(url)).text();
  const pick = (re: RegExp) => {
    const m = re.exec(xml);
    if (!m?.[1]) throw new Error(`IdP metadata at ${url} lacks ${re.source}`);
    return m[1];
  };
  return {
    entityId: pick(/entityID="([^"]+)"/),
    ssoUrl: pick(
      /SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="([^"]+)"/,
    ),
    sloUrl: pick(
      /SingleLogoutService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="([^"]+)"/,
    ),
    cert: pick(/<ds:X509Certificate>([^<]+)<\/ds:X509Certificate>/),
  };
}

/**
 * A small e-service built on node-saml, an SP implementation independent of ours: it validates
 * the gateway's signatures itself and lists the attributes it received.
 */
export async function startDemoSp(o: DemoSpOptions): Promise<DemoSp> {
  const idp = await idpFromMetadata(o.idpMetadataUrl);
  const entityId = o.entityId ?? `${o.baseUrl}/saml/metadata`;
  const saml = new SAML({
    entryPoint: idp.ssoUrl,
    logoutUrl: idp.sloUrl,
    issuer: entityId,
    idpIssuer: idp.entityId,
    callbackUrl: `${o.baseUrl}/saml/acs`,
    logoutCallbackUrl: `${o.baseUrl}/saml/slo`,
    idpCert: idp.cert,
    audience: entityId,
    wantAssertionsSigned: true,
    wantAuthnResponseSigned: false,
    identifierFormat: 'urn:oasis:names:tc:SAML:2.0:nameid-format:persistent',
    disableRequestedAuthnContext: true,
    validateInResponseTo: ValidateInResponseTo.always,
    acceptedClockSkewMs: 5000,
    ...(o.signing
      ? { privateKey: o.signing.keyPem, publicCert: o.signing.certPem, signatureAlgorithm: 'sha256' as const }
      : {}),
  });
  const metadata = saml.generateServiceProviderMetadata(null, o.signing?.certPem ?? null);
  await saveSp(o.registryDir, metadata, {
    ...defaultPolicy(),
    displayName: { sl: 'Demo e-storitev', en: 'Demo e-service' },
    attributes: ['given_name', 'family_name', 'tax_number', 'birth_date', 'email'],
    ...o.policy,
  });

  const app = express();
  app.disable('x-powered-by');
  // For `make up`, which waits for every process it starts to answer /readyz with 200.
  app.get('/readyz', (_req, res) => {
    res.json({ status: 'ready', service: 'demo-sp', checks: { idpMetadata: 'ok' } });
  });
  app.get('/', (_req, res) => {
    res.type('html')
      .send(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Demo e-service</title></head><body><main>
<h1>Demo e-service</h1><p>This service logs you in through the national login service.</p>
<p><a id="login" href="/login">Log in with SI-PASS</a></p></main></body></html>`);
  });
  app.get('/login', (req, res, next) => {
    saml
      .getAuthorizeUrlAsync(
        typeof req.query.RelayState === 'string' ? req.query.RelayState : '',
        undefined,
        {},
      )
      .then((url) => res.redirect(url), next);
  });
  app.post('/saml/acs', express.urlencoded({ extended: false, limit: '1mb' }), (req, res) => {
    saml.validatePostResponseAsync(req.body as Record<string, string>).then(
      ({ profile }) => {
        if (!profile) {
          res
            .status(401)
            .type('html')
            .send(
              '<!doctype html><title>Not logged in</title><h1>Not logged in</h1><p id="status">no session at the IdP</p>',
            );
          return;
        }
        const rows = Object.entries(profile)
          .filter(([k, v]) => k.startsWith('urn:oid:') && typeof v === 'string')
          .map(
            ([k, v]) =>
              `<tr><th scope="row">${escapeHtml(FRIENDLY.get(k) ?? k)}</th><td data-name="${escapeHtml(k)}">${escapeHtml(String(v))}</td></tr>`,
          )
          .join('');
        // The level the IdP vouches for, from the assertion node-saml has just validated.
        const level =
          /<(?:\w+:)?AuthnContextClassRef>([^<]+)</.exec(profile.getAssertionXml?.() ?? '')?.[1] ?? '';
        res.type('html')
          .send(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Logged in</title></head><body><main>
<h1>Logged in</h1><p>NameID: <code id="nameid">${escapeHtml(profile.nameID)}</code></p>
<p>Level of assurance: <code id="authn-context">${escapeHtml(level)}</code></p>
<table><caption>Attributes received</caption>${rows}</table></main></body></html>`);
      },
      (err: unknown) =>
        res
          .status(400)
          .type('text')
          .send(`SAML Response refused: ${err instanceof Error ? err.message : String(err)}`),
    );
  });
  // The gateway's logout (the user pages' button, or another SP's) sends its LogoutRequest here. The
  // demo keeps no session of its own, so it only checks the request and answers Success.
  const answerLogout = (
    res: express.Response,
    next: express.NextFunction,
    validated: Promise<{ profile: Profile | null }>,
    relayState: string,
  ) =>
    validated
      .then(({ profile }) => {
        if (!profile) throw new Error('no LogoutRequest');
        return saml.getLogoutResponseUrlAsync(profile, relayState, {}, true);
      })
      .then(
        (url) => res.redirect(url),
        (err: unknown) => {
          if (res.headersSent) return next(err);
          res
            .status(400)
            .type('text')
            .send(`LogoutRequest refused: ${err instanceof Error ? err.message : String(err)}`);
        },
      );
  app.get('/saml/slo', (req, res, next) => {
    const q = req.query as Record<string, string>;
    const raw = req.originalUrl.slice(req.originalUrl.indexOf('?') + 1);
    void answerLogout(res, next, saml.validateRedirectAsync(q, raw), q.RelayState ?? '');
  });
  app.post('/saml/slo', express.urlencoded({ extended: false, limit: '1mb' }), (req, res, next) => {
    const body = req.body as Record<string, string>;
    void answerLogout(res, next, saml.validatePostRequestAsync(body), body.RelayState ?? '');
  });
  const server: Server = createServer(app);
  await new Promise<void>((resolve) => server.listen(o.port, o.host ?? '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    entityId,
    url: `http://${o.host ?? '127.0.0.1'}:${port}`,
    saml,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

export type { Profile };
