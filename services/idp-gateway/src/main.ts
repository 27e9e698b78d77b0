import { loadConfig, redactConfig } from '@idp/config';
import { runMain } from '@idp/observability';
import { connectRedis } from '@idp/redis';
import { packageVersion, startRuntime } from '@idp/runtime';
import { createWebApp, errorHandler, listen } from '@idp/web';
import { openSpRegistry } from '@idp/saml';
import { GatewayConfig } from './config.js';
import { homeRoute } from './http/home.js';
import { metadataRoute } from './http/metadata.js';
import { idpMetadataXml } from './saml/idp-metadata.js';
import { loadSigningIdentity } from './saml/keys.js';

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

  const app = createWebApp({ log: rt.log, trustProxy: config.TRUST_PROXY ? 'loopback' : undefined });
  app.get('/', homeRoute());
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
  rt.started();
});
