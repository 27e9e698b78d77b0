import { loadConfig, redactConfig } from '@idp/config';
import { runMain } from '@idp/observability';
import { connectRedis } from '@idp/redis';
import { packageVersion, startRuntime } from '@idp/runtime';
import { createWebApp, errorHandler, listen, mountStatic } from '@idp/web';
import { openSpRegistry } from '@idp/saml';
import { abuseLimitPolicy, GatewayConfig } from './config.js';
import { homeRoute } from './http/home.js';
import { metadataRoute } from './http/metadata.js';
import { idpMetadataXml } from './saml/idp-metadata.js';
import { loadSigningIdentity } from './saml/keys.js';
import {
  loadSamlSchemas,
  verifyAuthnRequest,
  verifyLogoutRequest,
  type VerifyContext,
} from './saml/verify/index.js';
import { SessionStore } from './session/store.js';
import { mountLoginRoutes } from './http/login-routes.js';
import { devMailRoute } from './http/dev-mail.js';
import { devSmsRoute } from './http/dev-sms.js';
import { mountSloRoutes } from './http/slo-routes.js';
import { mountRegistrationRoutes } from './http/registration-routes.js';
import { createAbuseLimiter } from './http/abuse-limits.js';
import { termsFromAccounts } from './http/terms.js';
import { mountAccountDataRoutes } from './http/account-data-routes.js';
import { mountAccountRoutes } from './http/account-routes.js';
import { correctionCertificateRoute, mountCorrectionRoutes } from './http/correction-routes.js';
import { certificateRoute, mountSmsPassRoutes, type SmsPassPageOptions } from './http/smspass-routes.js';
import { listenMtls } from './http/client-certificate.js';
import type { FlowDeps } from './flow/deps.js';
import { STATIC_DIR } from './web/views.js';

runMain(async () => {
  const config = loadConfig(GatewayConfig, process.env);
  const rt = await startRuntime({ service: 'idp-gateway', version: packageVersion(import.meta.url), config });
  rt.log.info({ config: redactConfig(GatewayConfig, config) }, 'configuration');

  const redis = connectRedis({ url: config.REDIS_URL, prefix: 'gw:', log: rt.log, name: rt.producer });
  rt.addCheck('redis', redis.check);
  rt.onShutdown('redis', redis.close);

  const signing = await loadSigningIdentity({
    keyFile: config.IDP_SIGNING_KEY_FILE,
    certFile: config.IDP_SIGNING_CERT_FILE,
    generateIfMissing: config.IDP_ENV !== 'production',
    commonName: new URL(config.PUBLIC_URL).hostname,
    log: rt.log,
  });
  const endpoints = {
    entityId: config.IDP_ENTITY_ID ?? `${config.PUBLIC_URL}/saml/metadata`,
    ssoUrl: `${config.PUBLIC_URL}/saml/sso`,
    sloUrl: `${config.PUBLIC_URL}/saml/slo`,
  };
  const registry = await openSpRegistry({
    dir: config.SP_REGISTRY_DIR,
    log: rt.log,
    pollMs: config.SP_REGISTRY_POLL_MS,
  });
  rt.onShutdown('sp registry', () => registry.close());

  // Compiled once here, so a broken schema stops start-up rather than the first login.
  loadSamlSchemas();
  const store = new SessionStore(redis.redis, {
    transactionTtlMs: config.LOGIN_TRANSACTION_SECONDS * 1000,
    sessionIdleMs: config.SESSION_IDLE_SECONDS * 1000,
    sessionAbsoluteMs: config.SESSION_ABSOLUTE_SECONDS * 1000,
  });
  const verifyContext: VerifyContext = {
    lookupSp: (entityId) => registry.lookup(entityId),
    idpSsoUrls: { redirect: endpoints.ssoUrl, post: endpoints.ssoUrl },
    idpSloUrls: { redirect: endpoints.sloUrl, post: endpoints.sloUrl },
    requireSignedRequests: config.IDP_REQUIRE_SIGNED_REQUESTS,
    clockSkewMs: config.SAML_CLOCK_SKEW_SECONDS * 1000,
    now: () => new Date(),
    seenRequestId: (sp, id, ttlMs) => store.seenRequestId(sp, id, ttlMs),
  };

  const pairwiseSecret =
    config.NAMEID_PAIRWISE_SECRET ?? 'development-only-pairwise-secret-never-in-production';
  const app = createWebApp({ log: rt.log, trustProxy: config.TRUST_PROXY ? 'loopback' : undefined });
  mountStatic(app, STATIC_DIR);
  app.get('/', homeRoute());
  const deps: FlowDeps = {
    store,
    rpc: rt.rpc,
    publisher: rt.publisher,
    registry,
    signing,
    idpEntityId: endpoints.entityId,
    pairwiseSecret,
    verifyAuthnRequest: (input) => verifyAuthnRequest(input, verifyContext),
    now: () => new Date(),
    log: rt.log,
    secureCookies: config.COOKIE_SECURE,
    serviceName: (entityId, lang) => {
      const names = registry.lookup(entityId)?.policy.displayName;
      return (
        names?.[lang] ??
        names?.sl ??
        names?.en ??
        ((URL.canParse(entityId) ? new URL(entityId).hostname : '') || entityId)
      );
    },
  };
  mountLoginRoutes(app, deps);
  mountRegistrationRoutes(app, {
    store,
    rpc: rt.rpc,
    log: rt.log,
    secureCookies: config.COOKIE_SECURE,
    terms: termsFromAccounts(rt.rpc, { ttlMs: 60_000 }),
    termsUrl: config.TERMS_URL,
    limits: createAbuseLimiter({
      redis: redis.redis,
      policy: abuseLimitPolicy(config),
      // Its own HKDF key: the counters' names cannot be linked to the NameIDs.
      keySecret: pairwiseSecret,
      registry: rt.registry,
    }),
  });
  mountAccountRoutes(app, deps);
  mountAccountDataRoutes(app, deps);
  if (config.TRUSTED_CLIENT_CERT_HEADER && !config.TRUST_PROXY) {
    rt.log.warn('TRUSTED_CLIENT_CERT_HEADER is ignored: it is believed only with TRUST_PROXY');
  }
  const mtlsPublicUrl =
    config.MTLS_PORT === undefined
      ? undefined
      : (config.MTLS_PUBLIC_URL ?? `https://${new URL(config.PUBLIC_URL).hostname}:${config.MTLS_PORT}`);
  const smsPass: SmsPassPageOptions = {
    publicUrl: config.PUBLIC_URL,
    header: config.TRUSTED_CLIENT_CERT_HEADER,
    trustProxy: config.TRUST_PROXY,
    certificateActionUrl:
      mtlsPublicUrl ??
      (config.TRUSTED_CLIENT_CERT_HEADER && config.TRUST_PROXY ? config.PUBLIC_URL : undefined),
  };
  mountSmsPassRoutes(app, deps, smsPass);
  mountCorrectionRoutes(app, deps, smsPass);
  mountSloRoutes(app, { ...deps, verifyLogoutRequest: (input) => verifyLogoutRequest(input, verifyContext) });
  if (config.IDP_ENV === 'development') {
    app.get('/dev/sms', devSmsRoute(rt.rpc));
    app.get('/dev/mail', devMailRoute(rt.rpc));
  }
  app.get(
    '/saml/metadata',
    metadataRoute(
      idpMetadataXml(endpoints, {
        certBase64: signing.certBase64,
        wantAuthnRequestsSigned: config.IDP_REQUIRE_SIGNED_REQUESTS,
      }),
    ),
  );
  app.use(errorHandler());
  const http = await listen(app, {
    host: config.HTTP_HOST,
    port: config.HTTP_PORT,
    log: rt.log,
    name: 'public http',
  });
  rt.onShutdown('public http', http.close);
  if (config.MTLS_PORT !== undefined) {
    // Its own app with the routes that read the certificate; every answer redirects to PUBLIC_URL.
    const mtlsApp = createWebApp({ log: rt.log });
    mtlsApp.post('/account/smspass/certificate', ...certificateRoute(deps, smsPass));
    mtlsApp.post('/account/correction/certificate', ...correctionCertificateRoute(deps, smsPass));
    mtlsApp.use(errorHandler());
    const mtls = await listenMtls(mtlsApp, {
      host: config.MTLS_HOST ?? config.HTTP_HOST,
      port: config.MTLS_PORT,
      keyFile: config.MTLS_KEY_FILE!,
      certFile: config.MTLS_CERT_FILE!,
      caFile: config.MTLS_CA_FILE,
      log: rt.log,
    });
    rt.onShutdown('mtls https', mtls.close);
  }
  rt.started();
});
