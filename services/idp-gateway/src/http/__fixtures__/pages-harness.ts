// The gateway's pages served in-process over a private NATS server and real Redis, with small
// stand-ins answering accounts, otp-sender and activation; a cookie-keeping client like a browser
// without JavaScript.
import { connect } from '@nats-io/transport-node';
import {
  accountsRpc,
  activationRpc,
  catalog,
  correctionRpc,
  createPublisher,
  createRpcClient,
  createTestSigner,
  DomainError,
  ensureStreams,
  jetstream,
  jetstreamManager,
  otpRpc,
  rpcHandler,
  serveRpc,
  streamSpecs,
  type ActivationRequestView,
  type CorrectionView,
  type NatsConnection,
  type RpcServer,
} from '@idp/events';
import type { z } from '@idp/config';
import { createLogger, Registry, type Logger } from '@idp/observability';
import { connectRedis, type RedisHandle } from '@idp/redis';
import type { SpRegistry } from '@idp/saml';
import {
  findInfrastructure,
  isPortOpen,
  privateNatsServer,
  uniqueName,
  waitFor,
  type PrivateServer,
} from '@idp/testing';
import { createWebApp, errorHandler, listen, mountStatic, type Express, type HttpServer } from '@idp/web';
import type { FlowDeps } from '../../flow/deps.js';
import type { SigningIdentity } from '../../saml/keys.js';
import { SessionStore } from '../../session/store.js';
import { STATIC_DIR } from '../../web/views.js';
import { mountAccountDataRoutes } from '../account-data-routes.js';
import { mountSloRoutes } from '../slo-routes.js';
import { mountAccountRoutes } from '../account-routes.js';
import { correctionCertificateRoute, mountCorrectionRoutes } from '../correction-routes.js';
import { mountLoginRoutes } from '../login-routes.js';
import { createAbuseLimiter, type AbuseLimiter, type AbuseLimitPolicy } from '../abuse-limits.js';
import { mountRegistrationRoutes } from '../registration-routes.js';
import { termsFromAccounts } from '../terms.js';
import { certificateRoute, mountSmsPassRoutes, type SmsPassPageOptions } from '../smspass-routes.js';

export const testLog = createLogger({
  service: 'gateway-pages-test',
  level: (process.env.TEST_LOG_LEVEL as 'debug' | undefined) ?? 'silent',
});

export const TERMS = '2026-01';
export const PASSWORD = 'correct horse battery staple';
export type RequestView = z.infer<typeof ActivationRequestView>;
export type Correction = z.infer<typeof CorrectionView>;

export interface Citizen {
  accountId: string;
  email: string;
  smsPass: 'none' | 'active';
}

/** What the stand-ins know and every call they got (name → requests), for the tests to inspect. */
export interface World {
  citizens: Citizen[];
  /** The terms version the accounts stand-in holds as current (TERMS unless a test changes it). */
  termsVersion: string;
  calls: Map<string, unknown[]>;
  /** Each account's phones, as the accounts stand-in keeps them. */
  phones: Map<string, { phone: string; verified: boolean }[]>;
  request?: RequestView;
  /** The activation stand-in's answer to present_certificate; by default it accepts. */
  judgeCertificate?: (pem: string, chain: string[]) => void;
  /** The citizen's newest identity correction, as the activation stand-in keeps it. */
  correction?: Correction;
  /** The stand-in's answer to present_correction_certificate; by default it approves. */
  judgeCorrectionCertificate?: (pem: string) => void;
}

export interface PagesUnderTest {
  url: string;
  world: World;
  store: SessionStore;
  deps: FlowDeps;
  smsPass: SmsPassPageOptions;
  /** The gateway's metrics (the abuse-limit counters). */
  metrics: Registry;
  /** The Redis handle the pages use (a private key prefix). */
  redis: RedisHandle;
  calls(name: string): unknown[];
  /**
   * Another app on the same mesh and Redis (another listener configuration); with `limits`, other
   * abuse limits than the suite's.
   */
  startApp(o: {
    trustProxy: boolean;
    header?: string;
    limits?: AbuseLimiter;
    log?: Logger;
  }): Promise<HttpServer>;
  close(): Promise<void>;
}

/** Limits no test of the pages reaches unless it sets its own. */
export const ROOMY_LIMITS: AbuseLimitPolicy = {
  register: { address: { max: 1000, windowMs: 3600_000 }, email: { max: 1000, windowMs: 3600_000 } },
  register_confirm: { address: { max: 1000, windowMs: 3600_000 } },
  password_forgot: {
    address: { max: 1000, windowMs: 3600_000 },
    email: { max: 1000, windowMs: 3600_000 },
  },
  password_reset: { address: { max: 1000, windowMs: 3600_000 } },
};

/** A port in 30100–30899: outside the e2e stacks' and other suites' ranges, free right now. */
async function freePort(): Promise<number> {
  for (;;) {
    const port = 30_100 + Math.floor(Math.random() * 800);
    if (!(await isPortOpen('127.0.0.1', port))) return port;
  }
}

const ACCOUNT = '6b1f7c4e-9a57-4a43-8d0a-5d1f1c6a0001';
const SMS_ACCOUNT = '6b1f7c4e-9a57-4a43-8d0a-5d1f1c6a0002';
const CHALLENGE = '0b4d4c8e-1d2f-4f2a-9c1e-6c7a7b9a0001';

export async function startPages(
  o: { header?: string; trustProxy?: boolean; limits?: AbuseLimitPolicy } = {},
): Promise<PagesUnderTest> {
  const infra = await findInfrastructure();
  let natsServer: PrivateServer | undefined;
  let nc: NatsConnection | undefined;
  let redis: RedisHandle | undefined;
  const servers: RpcServer[] = [];
  const https: HttpServer[] = [];
  const close = async () => {
    await Promise.all(https.map((h) => h.close()));
    await Promise.all(servers.map((s) => s.stop()));
    if (redis) {
      const keys = await redis.redis.keys('*');
      // keys() returns prefixed names; del() would prefix again.
      if (keys.length) await redis.redis.del(...keys.map((k) => k.slice(redis!.prefix.length)));
      await redis.close();
    }
    await nc?.close();
    await natsServer?.destroy();
  };
  try {
    natsServer = privateNatsServer(await freePort());
    await natsServer.start();
    nc = await connect({ servers: natsServer.url });
    await ensureStreams(await jetstreamManager(nc), streamSpecs(catalog), testLog);
    redis = connectRedis({
      url: infra.redisUrl,
      prefix: `${uniqueName('t_gwp')}:`,
      log: testLog,
      name: 'test',
    });
    const handle = redis;
    await waitFor('redis', () => handle.check().then(() => true));
    const store = new SessionStore(redis.redis, {
      transactionTtlMs: 60_000,
      sessionIdleMs: 60_000,
      sessionAbsoluteMs: 600_000,
    });

    const world: World = {
      citizens: [
        { accountId: ACCOUNT, email: 'ana@example.si', smsPass: 'none' },
        { accountId: SMS_ACCOUNT, email: 'bor@example.si', smsPass: 'active' },
      ],
      termsVersion: TERMS,
      calls: new Map(),
      phones: new Map(),
    };
    const record = (name: string, req: unknown) =>
      world.calls.set(name, [...(world.calls.get(name) ?? []), req]);
    const citizen = (id: string) => {
      const c = world.citizens.find((x) => x.accountId === id);
      if (!c) throw new DomainError('not_found', 'accounts.not_found', { message: 'no such account' });
      return c;
    };
    const request = () => {
      if (!world.request)
        throw new DomainError('not_found', 'activation.request_not_found', { message: 'none' });
      return world.request;
    };
    const registry = new Registry();
    const accounts = [
      rpcHandler(accountsRpc.verifyPassword, async (req) => {
        record('verifyPassword', req);
        const c = world.citizens.find((x) => x.email === req.email);
        if (!c || req.password !== PASSWORD)
          throw new DomainError('unauthenticated', 'accounts.invalid_credentials', { message: 'no' });
        return { accountId: c.accountId, smsPass: c.smsPass };
      }),
      rpcHandler(accountsRpc.getAttributes, async (req) => ({
        accountId: req.accountId,
        smsPass: citizen(req.accountId).smsPass,
        attributes: {},
      })),
      rpcHandler(accountsRpc.getTerms, async (req) => {
        record('getTerms', req);
        return { version: world.termsVersion };
      }),
      rpcHandler(accountsRpc.register, async (req) => {
        record('register', req);
        if (req.termsVersion !== world.termsVersion)
          throw new DomainError('precondition', 'accounts.terms_outdated', { message: 'outdated' });
        if (req.taxNumber === '10000003')
          throw new DomainError('already_exists', 'accounts.tax_number_taken', { message: 'taken' });
        return { next: 'confirm_email' as const };
      }),
      rpcHandler(accountsRpc.confirmEmail, async (req) => {
        record('confirmEmail', req);
        if (req.token.startsWith('x'))
          throw new DomainError('invalid_argument', 'accounts.invalid_token', { message: 'no' });
        return { accountId: ACCOUNT };
      }),
      rpcHandler(accountsRpc.requestPasswordReset, async (req) => {
        record('requestPasswordReset', req);
        return { next: 'check_email' as const };
      }),
      rpcHandler(accountsRpc.resetPassword, async (req) => {
        record('resetPassword', req);
        if (req.newPassword.length < 12)
          throw new DomainError('invalid_argument', 'accounts.weak_password', { message: 'short' });
        return { accountId: ACCOUNT };
      }),
      rpcHandler(accountsRpc.changePassword, async (req) => {
        record('changePassword', req);
        if (req.currentPassword !== PASSWORD)
          throw new DomainError('unauthenticated', 'accounts.invalid_credentials', { message: 'no' });
        return { accountId: req.accountId };
      }),
      rpcHandler(accountsRpc.getPersonalData, async (req) => {
        const c = citizen(req.accountId);
        return {
          accountId: c.accountId,
          state: c.smsPass === 'active' ? ('smspass_active' as const) : ('email_confirmed' as const),
          email: c.email,
          givenName: 'Ana',
          familyName: 'Novak <b>',
          taxNumber: '12345679',
          birthDate: '1990-05-17',
          address: { street: 'Slovenska 1', postalCode: '1000', city: 'Ljubljana', country: 'SI' },
          contactEmails: [{ email: 'ana.work@example.si', verified: false }],
          phones: world.phones.get(c.accountId) ?? [],
          language: 'sl' as const,
        };
      }),
      rpcHandler(accountsRpc.addPhone, async (req) => {
        record('addPhone', req);
        const phones = world.phones.get(req.accountId) ?? [];
        world.phones.set(req.accountId, [...phones, { phone: req.phone, verified: true }]);
        return { accountId: req.accountId };
      }),
      rpcHandler(accountsRpc.removePhone, async (req) => {
        record('removePhone', req);
        const phones = world.phones.get(req.accountId) ?? [];
        const phone = phones.find((p) => p.phone === req.phone);
        if (!phone) throw new DomainError('not_found', 'accounts.phone_not_found', { message: 'no' });
        if (
          phone.verified &&
          citizen(req.accountId).smsPass === 'active' &&
          phones.filter((p) => p.verified).length === 1
        )
          throw new DomainError('precondition', 'accounts.last_verified_phone', { message: 'last' });
        world.phones.set(
          req.accountId,
          phones.filter((p) => p !== phone),
        );
        return { accountId: req.accountId };
      }),
      rpcHandler(accountsRpc.cancelSmsPass, async (req) => {
        record('cancelSmsPass', req);
        const c = citizen(req.accountId);
        if (c.smsPass !== 'active')
          throw new DomainError('precondition', 'accounts.transition_not_allowed', { message: 'no' });
        c.smsPass = 'none';
        return { accountId: req.accountId, smsPass: 'none' as const };
      }),
      rpcHandler(accountsRpc.exportPersonalData, async (req) => {
        record('exportPersonalData', req);
        const c = citizen(req.accountId);
        const at = '2026-03-01T10:00:00.000Z';
        return {
          exportedAt: new Date().toISOString(),
          account: {
            accountId: c.accountId,
            state: c.smsPass === 'active' ? ('smspass_active' as const) : ('email_confirmed' as const),
            smsPass: c.smsPass,
            email: c.email,
            language: 'sl' as const,
            createdAt: at,
            updatedAt: at,
          },
          personalData: { givenName: 'Ana', familyName: 'Novak <b>', taxNumber: '12345679' },
          contactEmails: [],
          phones: (world.phones.get(c.accountId) ?? []).map((p) => ({ ...p, addedAt: at })),
          smsPassActivations: [],
        };
      }),
      rpcHandler(accountsRpc.deleteAccount, async (req) => {
        record('deleteAccount', req);
        if (req.password !== PASSWORD)
          throw new DomainError('unauthenticated', 'accounts.invalid_credentials', { message: 'no' });
        world.citizens = world.citizens.filter((c) => c.accountId !== req.accountId);
        return { accountId: req.accountId, erasedAt: new Date().toISOString() };
      }),
      rpcHandler(accountsRpc.updateContactData, async (req) => {
        record('updateContactData', req);
        return { accountId: req.accountId };
      }),
    ];
    const challenge = () => ({
      challengeId: CHALLENGE,
      destinationHint: '+386 •• ••• •45',
      expiresAt: new Date(Date.now() + 300_000).toISOString(),
      resendsLeft: 3,
      delivery: 'sent' as const,
    });
    const otp = [
      rpcHandler(otpRpc.issue, async (req) => {
        record('otpIssue', req);
        return challenge();
      }),
      rpcHandler(otpRpc.status, async (req) => {
        record('otpStatus', req);
        return challenge();
      }),
      rpcHandler(otpRpc.verify, async (req) => {
        record('otpVerify', req);
        if (req.code !== '123456')
          throw new DomainError('invalid_argument', 'otp.code_invalid', { message: 'no' });
        return { verified: true as const, accountId: SMS_ACCOUNT };
      }),
    ];
    const view = (patch: Partial<RequestView>): RequestView => ({ ...request(), ...patch });
    const activation = [
      rpcHandler(activationRpc.get, async () => ({ ...(world.request ? { request: world.request } : {}) })),
      rpcHandler(activationRpc.request, async (req) => {
        record('activationRequest', req);
        if (world.request && !['rejected', 'expired', 'cancelled', 'blocked'].includes(world.request.state))
          throw new DomainError('already_exists', 'activation.request_exists', { message: 'open' });
        world.request = {
          requestId: '5c0e7a51-3f4b-4d59-9e3b-8a3c1f0a0001',
          requestNumber: 'A-7KQ2M9XD',
          accountId: req.accountId,
          path: req.path,
          state: req.path === 'ra' ? 'awaiting_officer' : 'awaiting_certificate',
          createdAt: new Date().toISOString(),
        };
        return world.request;
      }),
      rpcHandler(activationRpc.presentCertificate, async (req) => {
        record('presentCertificate', req);
        world.judgeCertificate?.(req.certificatePem, req.chainPem);
        world.request = view({ state: 'code_sent', codeChannel: 'post', codeAttemptsLeft: 5 });
        return world.request;
      }),
      rpcHandler(activationRpc.enterCode, async (req) => {
        record('enterCode', req);
        if (req.code.replace(/-/g, '') !== '7KQ2M9XD4HTR')
          throw new DomainError('invalid_argument', 'activation.code_invalid', { message: 'no' });
        world.request = view({ state: 'phone_pending', phoneChallengeId: CHALLENGE });
        return world.request;
      }),
      rpcHandler(activationRpc.confirmPhone, async (req) => {
        record('confirmPhone', req);
        if (req.smsCode !== '123456')
          throw new DomainError('invalid_argument', 'otp.code_invalid', { message: 'no' });
        world.request = view({ state: 'completed' });
        return world.request;
      }),
      rpcHandler(activationRpc.cancel, async (req) => {
        record('activationCancel', req);
        world.request = view({ state: 'cancelled' });
        return world.request;
      }),
      rpcHandler(correctionRpc.getCorrection, async () => ({
        ...(world.correction ? { correction: world.correction } : {}),
      })),
      // As activation: one submitted correction at a time, only what differs from the record, no address by certificate.
      rpcHandler(correctionRpc.requestCorrection, async (req) => {
        record('requestCorrection', req);
        if (world.correction?.state === 'submitted')
          throw new DomainError('already_exists', 'activation.correction_exists', { message: 'open' });
        const proposed = {
          ...(req.givenName && req.givenName !== 'Ana' ? { givenName: req.givenName } : {}),
          ...(req.familyName && req.familyName !== 'Novak <b>' ? { familyName: req.familyName } : {}),
          ...(req.address && req.address.street !== 'Slovenska 1' ? { address: req.address } : {}),
        };
        const fields = [
          ...(proposed.givenName ? (['given_name'] as const) : []),
          ...(proposed.familyName ? (['family_name'] as const) : []),
          ...(proposed.address ? (['address'] as const) : []),
        ];
        if (fields.length === 0)
          throw new DomainError('invalid_argument', 'activation.correction_unchanged', { message: 'same' });
        if (req.path === 'certificate' && proposed.address)
          throw new DomainError('precondition', 'activation.correction_needs_officer', {
            message: 'address',
          });
        world.correction = {
          requestId: '5c0e7a51-3f4b-4d59-9e3b-8a3c1f0a00c1',
          requestNumber: 'C-4HTR7KQ2',
          accountId: req.accountId,
          path: req.path,
          state: 'submitted',
          createdAt: new Date().toISOString(),
          expiresAt: new Date(Date.now() + 30 * 86_400_000).toISOString(),
          fields,
          proposed,
        };
        return world.correction;
      }),
      rpcHandler(correctionRpc.cancelCorrection, async (req) => {
        record('cancelCorrection', req);
        const { proposed: _erased, expiresAt: _none, ...rest } = world.correction!;
        world.correction = { ...rest, state: 'cancelled' };
        return world.correction;
      }),
      rpcHandler(correctionRpc.presentCorrectionCertificate, async (req) => {
        record('presentCorrectionCertificate', req);
        world.judgeCorrectionCertificate?.(req.certificatePem);
        const { proposed: _erased, expiresAt: _none, ...rest } = world.correction!;
        world.correction = { ...rest, state: 'approved' };
        return world.correction;
      }),
    ];
    servers.push(
      serveRpc(nc, accounts, { service: 'accounts', log: testLog, registry }),
      serveRpc(nc, otp, { service: 'otp-sender', log: testLog, registry }),
      serveRpc(nc, activation, { service: 'activation', log: testLog, registry }),
    );

    const spRegistry: SpRegistry = {
      lookup: () => undefined,
      list: () => [],
      reload: async () => {},
      close: () => {},
    };
    const deps: FlowDeps = {
      store,
      rpc: createRpcClient(nc, { defaultTimeoutMs: 5000 }),
      publisher: createPublisher(jetstream(nc), {
        producer: 'idp-gateway@test',
        catalog,
        signer: createTestSigner(),
      }),
      registry: spRegistry,
      // The user pages never sign an assertion: no SP is involved in their logins.
      signing: {} as SigningIdentity,
      idpEntityId: 'https://idp.test/saml/metadata',
      pairwiseSecret: 'test-pairwise-secret-test-pairwise-secret',
      verifyAuthnRequest: () => Promise.reject(new Error('no SAML in these tests')),
      now: () => new Date(),
      log: testLog,
      secureCookies: true,
      serviceName: () => 'test',
    };

    const metrics = new Registry();
    const limits = createAbuseLimiter({
      redis: redis.redis,
      policy: o.limits ?? ROOMY_LIMITS,
      keySecret: 'test-abuse-limit-secret-test-abuse-limit-secret',
      registry: metrics,
    });
    const terms = termsFromAccounts(deps.rpc, { ttlMs: 60_000 });
    const startApp = async (a: {
      trustProxy: boolean;
      header?: string;
      limits?: AbuseLimiter;
      log?: Logger;
    }) => {
      const app: Express = createWebApp({
        log: a.log ?? testLog,
        ...(a.trustProxy ? { trustProxy: 'loopback' } : {}),
      });
      mountStatic(app, STATIC_DIR);
      mountLoginRoutes(app, deps);
      mountRegistrationRoutes(app, {
        store,
        rpc: deps.rpc,
        log: a.log ?? testLog,
        secureCookies: true,
        terms,
        limits: a.limits ?? limits,
      });
      mountAccountRoutes(app, deps);
      mountAccountDataRoutes(app, deps);
      // The logout button; SP-initiated logout has its own e2e suite.
      mountSloRoutes(app, {
        ...deps,
        verifyLogoutRequest: () => Promise.reject(new Error('no SAML in these tests')),
      });
      const certificates = {
        publicUrl: 'https://idp.test',
        header: a.header,
        trustProxy: a.trustProxy,
        certificateActionUrl: 'https://idp.test:8443',
      };
      mountSmsPassRoutes(app, deps, certificates);
      mountCorrectionRoutes(app, deps, certificates);
      app.use(errorHandler());
      const h = await listen(app, { host: '127.0.0.1', port: 0, log: testLog, name: 'gateway (test)' });
      https.push(h);
      return h;
    };
    const main = await startApp({
      trustProxy: o.trustProxy ?? false,
      ...(o.header ? { header: o.header } : {}),
    });
    const smsPass: SmsPassPageOptions = {
      publicUrl: 'https://idp.test',
      header: o.header,
      trustProxy: o.trustProxy ?? false,
    };
    return {
      url: main.url,
      world,
      store,
      deps,
      smsPass,
      metrics,
      redis,
      calls: (name) => world.calls.get(name) ?? [],
      startApp,
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}

/** An express app holding only the certificate routes, as main.ts mounts them on the mTLS listener. */
export function mtlsApp(t: PagesUnderTest): Express {
  const app = createWebApp({ log: testLog });
  app.post('/account/smspass/certificate', ...certificateRoute(t.deps, t.smsPass));
  app.post('/account/correction/certificate', ...correctionCertificateRoute(t.deps, t.smsPass));
  app.use(errorHandler());
  return app;
}

export interface PageResponse {
  status: number;
  location: string | undefined;
  html: string;
  headers: Headers;
}

const unescapeHtml = (s: string) =>
  s.replace(
    /&(amp|lt|gt|quot|#39|#x27|apos|#x2F);/g,
    (_, e: string) =>
      ({ amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'", '#x27': "'", apos: "'", '#x2F': '/' })[e]!,
  );

/** A browser without JavaScript: keeps cookies, follows nothing by itself. */
export class Browser {
  readonly cookies = new Map<string, string>();
  constructor(
    private readonly base: string,
    private readonly headers: Record<string, string> = {},
  ) {}

  async request(path: string, form?: Record<string, string | string[]>): Promise<PageResponse> {
    const headers: Record<string, string> = { 'accept-language': 'en', ...this.headers };
    if (this.cookies.size) headers.cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    let body: string | undefined;
    if (form) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      const p = new URLSearchParams();
      for (const [k, v] of Object.entries(form)) for (const one of [v].flat()) p.append(k, one);
      body = p.toString();
    }
    const res = await fetch(new URL(path, this.base), {
      method: form ? 'POST' : 'GET',
      headers,
      redirect: 'manual',
      ...(body !== undefined ? { body } : {}),
    });
    this.take(res.headers.getSetCookie());
    return {
      status: res.status,
      location: res.headers.get('location') ?? undefined,
      html: await res.text(),
      headers: res.headers,
    };
  }

  take(setCookies: string[]): void {
    for (const line of setCookies) {
      const [pair, ...attrs] = line.split(';');
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq).trim();
      const value = pair!.slice(eq + 1).trim();
      if (value === '' || attrs.some((a) => /^\s*max-age=0\s*$/i.test(a))) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }

  get = (path: string) => this.request(path);
  post = (path: string, form: Record<string, string | string[]>) => this.request(path, form);
}

/** The value of a hidden input on a page (the CSRF token, say). */
export function hidden(html: string, name: string): string {
  const m = new RegExp(`<input type="hidden" name="${name}" value="([^"]*)"`).exec(html);
  if (!m) throw new Error(`no hidden ${name} on the page:\n${html.slice(0, 1500)}`);
  return unescapeHtml(m[1]!);
}

export { ACCOUNT, SMS_ACCOUNT };
