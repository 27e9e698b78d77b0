import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { inflateRawSync } from 'node:zlib';
import { SAML, ValidateInResponseTo, type Profile } from '@node-saml/node-saml';
import express, { type Request } from 'express';
import { defaultPolicy, saveSp } from '@idp/saml';

const BINDING = {
  redirect: 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect',
  post: 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST',
} as const;

/** What arrived at this SP's SLO endpoint, after node-saml validated it (or why it refused it). */
export interface SloArrival {
  kind: 'request' | 'response';
  binding: 'redirect' | 'post';
  /** Redirect: a Signature parameter came with it. POST: an enveloped signature is in the XML. */
  signed: boolean;
  xml: string;
  relayState?: string;
  profile?: Profile | null;
  error?: string;
}

export interface SloSp {
  entityId: string;
  url: string;
  saml: SAML;
  /** The profile from the last assertion this SP accepted. */
  profile?: Profile;
  arrivals: SloArrival[];
  /** Answer the next LogoutRequest with a wrong InResponseTo (to test that the IdP's chain survives it). */
  answerWrongly: boolean;
  close(): Promise<void>;
}

export interface SloSpOptions {
  idpMetadataUrl: string;
  port: number;
  registryDir: string;
  signing: { keyPem: string; certPem: string };
  /** SLO endpoints in the registered metadata, in order (all at `<base>/saml/slo`). */
  sloBindings: ('redirect' | 'post')[];
  name: string;
}

async function idpFromMetadata(url: string) {
  const xml = await (await fetch(url)).text();
  const pick = (re: RegExp) => re.exec(xml)?.[1] ?? '';
  return {
    entityId: pick(/entityID="([^"]+)"/),
    ssoUrl: pick(/SingleSignOnService Binding="[^"]*HTTP-Redirect" Location="([^"]+)"/),
    sloUrl: pick(/SingleLogoutService Binding="[^"]*HTTP-Redirect" Location="([^"]+)"/),
    cert: pick(/<ds:X509Certificate>([^<]+)<\/ds:X509Certificate>/),
  };
}

/**
 * A node-saml SP with a Single Logout endpoint for both bindings: it validates every LogoutRequest
 * and LogoutResponse the gateway sends (signature, Issuer, InResponseTo) and answers LogoutRequests
 * with a signed Redirect LogoutResponse, as an e-service would.
 */
export async function startSloSp(o: SloSpOptions): Promise<SloSp> {
  const idp = await idpFromMetadata(o.idpMetadataUrl);
  const base = `http://127.0.0.1:${o.port}`;
  const entityId = `${base}/saml/metadata`;
  const saml = new SAML({
    entryPoint: idp.ssoUrl,
    logoutUrl: idp.sloUrl,
    issuer: entityId,
    idpIssuer: idp.entityId,
    callbackUrl: `${base}/saml/acs`,
    logoutCallbackUrl: `${base}/saml/slo`,
    idpCert: idp.cert,
    audience: entityId,
    wantAssertionsSigned: true,
    wantAuthnResponseSigned: false,
    identifierFormat: 'urn:oasis:names:tc:SAML:2.0:nameid-format:persistent',
    disableRequestedAuthnContext: true,
    validateInResponseTo: ValidateInResponseTo.always,
    acceptedClockSkewMs: 5000,
    privateKey: o.signing.keyPem,
    publicCert: o.signing.certPem,
    signatureAlgorithm: 'sha256',
  });
  const slo = o.sloBindings
    .map((b) => `<SingleLogoutService Binding="${BINDING[b]}" Location="${base}/saml/slo"/>`)
    .join('');
  const metadata = saml
    .generateServiceProviderMetadata(null, o.signing.certPem)
    .replace(/<SingleLogoutService\b[^>]*\/>/, slo);
  if (!metadata.includes(slo)) throw new Error('could not place the SLO endpoints in the SP metadata');
  await saveSp(o.registryDir, metadata, {
    ...defaultPolicy(),
    displayName: { sl: o.name, en: o.name },
    attributes: ['given_name', 'family_name'],
    allowedMethods: ['password_sms'],
    minLoa: 'substantial',
  });

  const sp: SloSp = {
    entityId,
    url: base,
    saml,
    arrivals: [],
    answerWrongly: false,
    close: () => Promise.resolve(),
  };
  const rawQueryOf = (req: Request) =>
    req.originalUrl.includes('?') ? req.originalUrl.slice(req.originalUrl.indexOf('?') + 1) : '';
  const page = (title: string) =>
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${title}</title></head><body><h1>${title}</h1></body></html>`;

  const app = express();
  app.get('/login', (_req, res, next) => {
    saml.getAuthorizeUrlAsync('', undefined, {}).then((url) => res.redirect(url), next);
  });
  app.post('/saml/acs', express.urlencoded({ extended: false, limit: '1mb' }), (req, res) => {
    saml.validatePostResponseAsync(req.body as Record<string, string>).then(
      ({ profile }) => {
        if (profile) sp.profile = profile;
        res
          .status(profile ? 200 : 401)
          .type('html')
          .send(page(profile ? 'Logged in' : 'Not logged in'));
      },
      (err: unknown) =>
        res
          .status(400)
          .type('text')
          .send(`refused: ${String(err)}`),
    );
  });

  /** Records what came, then answers a LogoutRequest with a signed Redirect LogoutResponse. */
  const handle = async (
    arrival: Omit<SloArrival, 'profile' | 'error'>,
    validate: () => Promise<{ profile: Profile | null }>,
  ): Promise<{ redirect?: string; html?: string; status: number }> => {
    try {
      const { profile } = await validate();
      sp.arrivals.push({ ...arrival, profile });
      if (arrival.kind === 'response') return { status: 200, html: page('Logged out') };
      const answered = sp.answerWrongly ? { ...profile!, ID: '_not_the_request' } : profile!;
      sp.answerWrongly = false;
      return {
        status: 302,
        redirect: await saml.getLogoutResponseUrlAsync(answered, arrival.relayState ?? '', {}, true),
      };
    } catch (err) {
      sp.arrivals.push({ ...arrival, error: err instanceof Error ? err.message : String(err) });
      return { status: 400, html: page('Refused') };
    }
  };
  const reply = (res: express.Response, r: { redirect?: string; html?: string; status: number }) => {
    if (r.redirect) res.redirect(r.redirect);
    else res.status(r.status).type('html').send(r.html);
  };

  app.get('/saml/slo', (req, res, next) => {
    const q = req.query as Record<string, string>;
    const field = q.SAMLRequest ? 'SAMLRequest' : 'SAMLResponse';
    const xml = inflateRawSync(Buffer.from(q[field] ?? '', 'base64')).toString('utf8');
    handle(
      {
        kind: field === 'SAMLRequest' ? 'request' : 'response',
        binding: 'redirect',
        signed: typeof q.Signature === 'string',
        xml,
        ...(q.RelayState ? { relayState: q.RelayState } : {}),
      },
      () => saml.validateRedirectAsync(q, rawQueryOf(req)),
    ).then((r) => reply(res, r), next);
  });
  app.post('/saml/slo', express.urlencoded({ extended: false, limit: '1mb' }), (req, res, next) => {
    const body = req.body as Record<string, string>;
    const field = body.SAMLRequest ? 'SAMLRequest' : 'SAMLResponse';
    const xml = Buffer.from(body[field] ?? '', 'base64').toString('utf8');
    handle(
      {
        kind: field === 'SAMLRequest' ? 'request' : 'response',
        binding: 'post',
        signed: xml.includes('<ds:Signature'),
        xml,
        ...(body.RelayState ? { relayState: body.RelayState } : {}),
      },
      () =>
        field === 'SAMLRequest'
          ? saml.validatePostRequestAsync(body)
          : // node-saml 5 reads InResponseTo only from a samlp:Response on this path, so with "always"
            // it refuses every POST LogoutResponse; the test checks InResponseTo itself there.
            new SAML({
              ...saml.options,
              validateInResponseTo: ValidateInResponseTo.never,
            }).validatePostResponseAsync(body),
    ).then((r) => reply(res, r), next);
  });

  const server: Server = createServer(app);
  await new Promise<void>((resolve) => server.listen(o.port, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  if (port !== o.port) throw new Error('unexpected port');
  sp.close = () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  return sp;
}
