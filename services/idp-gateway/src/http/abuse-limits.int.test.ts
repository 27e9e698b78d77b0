import { PassThrough } from 'node:stream';
import { expect } from 'chai';
import { createLogger, Registry } from '@idp/observability';
import { connectRedis } from '@idp/redis';
import { setTimeout as sleep } from 'node:timers/promises';
import { createAbuseLimiter, type AbuseLimitPolicy } from './abuse-limits.js';
import {
  Browser,
  hidden,
  PASSWORD,
  startPages,
  TERMS,
  testLog,
  type PageResponse,
  type PagesUnderTest,
} from './__fixtures__/pages-harness.js';

const HOUR = 3600_000;
const TOKEN = 'A'.repeat(43);
const KEY_SECRET = 'test-abuse-limit-secret-test-abuse-limit-secret';

/** Small caps in hour-long windows: nothing here expires while a test runs. */
const LIMITS: AbuseLimitPolicy = {
  register: { address: { max: 3, windowMs: HOUR }, email: { max: 2, windowMs: HOUR } },
  register_confirm: { address: { max: 2, windowMs: HOUR } },
  password_forgot: { address: { max: 4, windowMs: HOUR }, email: { max: 2, windowMs: HOUR } },
  password_reset: { address: { max: 2, windowMs: HOUR } },
};

const registration = (csrf: string, email: string) => ({
  csrf,
  termsVersion: TERMS,
  email,
  password: PASSWORD,
  givenName: 'Ana',
  familyName: 'Novak',
  taxNumber: '12345679',
  birthDate: '1990-05-17',
  street: 'Slovenska 1',
  postalCode: '1000',
  city: 'Ljubljana',
  country: 'SI',
  terms: 'yes',
});

/** The pages' posts, each from a browser that first opens the form (for its CSRF token). */
const post = {
  register: async (b: Browser, email: string) =>
    b.post('/register', registration(hidden((await b.get('/register')).html, 'csrf'), email)),
  forgot: async (b: Browser, email: string) =>
    b.post('/password/forgot', { csrf: hidden((await b.get('/password/forgot')).html, 'csrf'), email }),
  confirm: async (b: Browser) =>
    b.post('/register/confirm', {
      csrf: hidden((await b.get(`/register/confirm?token=${TOKEN}`)).html, 'csrf'),
      token: TOKEN,
    }),
  reset: async (b: Browser) =>
    b.post('/password/reset', {
      csrf: hidden((await b.get(`/password/reset?token=${TOKEN}`)).html, 'csrf'),
      token: TOKEN,
      password: PASSWORD,
    }),
};

const retryAfter = (r: PageResponse) => Number(r.headers.get('retry-after'));

async function limitedCount(metrics: Registry, endpoint: string, limit: string): Promise<number> {
  const metric = await metrics.getSingleMetric('idp_gateway_abuse_limited_total')!.get();
  return metric.values.find((v) => v.labels.endpoint === endpoint && v.labels.limit === limit)?.value ?? 0;
}

describe('idp-gateway abuse limits on the anonymous pages (real NATS and Redis, stand-in accounts)', function () {
  this.timeout(60_000);
  let t: PagesUnderTest;
  let n = 0;
  /** A browser behind the trusted proxy with a client address of its own. */
  const client = (headers: Record<string, string> = {}) =>
    new Browser(t.url, { 'x-forwarded-for': `198.51.100.${++n}`, ...headers });
  before(async () => {
    t = await startPages({ trustProxy: true, limits: LIMITS });
  });
  after(async () => t?.close());

  it('limits registrations per client address: 429, Retry-After, a page in both languages; other addresses go on', async () => {
    const address = `198.51.100.${++n}`;
    const b = new Browser(t.url, { 'x-forwarded-for': address });
    const before = t.calls('register').length;
    for (const i of [1, 2, 3]) expect((await post.register(b, `addr${i}@example.si`)).status).to.equal(303);
    const limited = await post.register(b, 'addr4@example.si');
    expect(limited.status).to.equal(429);
    expect(retryAfter(limited)).to.be.within(3500, 3600);
    expect(limited.html).to.include('<html lang="en">');
    expect(limited.html).to.include('Too many requests');
    expect(limited.html).to.include('Please try again in 60 min.');
    expect(limited.html).to.include('role="alert"');
    expect(t.calls('register')).to.have.length(before + 3);

    const sl = new Browser(t.url, { 'x-forwarded-for': address, 'accept-language': 'sl' });
    const slPage = await post.register(sl, 'addr5@example.si');
    expect(slPage.status).to.equal(429);
    expect(slPage.html).to.include('<html lang="sl">');
    expect(slPage.html).to.include('Preveč zahtev');
    expect(slPage.html).to.include('Poskusite znova čez 60 min.');

    expect((await post.register(client(), 'addr6@example.si')).status).to.equal(303);
    expect(t.calls('register')).to.have.length(before + 4);
    expect(await limitedCount(t.metrics, 'register', 'address')).to.equal(2);
  });

  it('limits registrations per e-mail address, however it is written, from any client address', async () => {
    expect((await post.register(client(), 'mia@example.si')).status).to.equal(303);
    expect((await post.register(client(), ' Mia+news@Example.SI ')).status).to.equal(303);
    const other = client();
    expect((await post.register(other, 'mia@example.si')).status).to.equal(429);
    // The refused attempt spent nothing of that address's own budget.
    for (const email of ['a1@example.si', 'a2@example.si', 'a3@example.si'])
      expect((await post.register(other, email)).status).to.equal(303);
    expect(await limitedCount(t.metrics, 'register', 'email')).to.equal(1);
  });

  it('answers a password reset request for a known and an unknown address alike, when limited too', async () => {
    const answers = [];
    const before = t.calls('requestPasswordReset').length;
    for (const email of ['ana@example.si', 'nobody@example.si']) {
      const sent = [await post.forgot(client(), email), await post.forgot(client(), email)];
      const limited = await post.forgot(client(), email);
      answers.push({
        sent: sent.map((r) => [r.status, r.location]),
        limited: { status: limited.status, html: limited.html, retryAfter: retryAfter(limited) > 3500 },
      });
    }
    expect(answers[0]).to.deep.equal(answers[1]);
    expect(answers[0]!.sent).to.deep.equal([
      [303, '/password/sent'],
      [303, '/password/sent'],
    ]);
    expect(answers[0]!.limited.status).to.equal(429);
    expect(answers[0]!.limited.html).not.to.include('example.si');
    // The limited requests never reached accounts.
    expect(t.calls('requestPasswordReset')).to.have.length(before + 4);
    expect(await limitedCount(t.metrics, 'password_forgot', 'email')).to.equal(2);
  });

  it('limits password reset requests per client address, whatever e-mail addresses they name', async () => {
    const b = client();
    for (const i of [1, 2, 3, 4]) expect((await post.forgot(b, `f${i}@example.si`)).status).to.equal(303);
    expect((await post.forgot(b, 'f5@example.si')).status).to.equal(429);
    expect((await post.forgot(client(), 'f5@example.si')).status).to.equal(303);
    expect(await limitedCount(t.metrics, 'password_forgot', 'address')).to.equal(1);
  });

  it('limits confirmation and new-password posts per client address', async () => {
    const b = client();
    const confirms = t.calls('confirmEmail').length;
    for (let i = 0; i < 2; i++) expect((await post.confirm(b)).status).to.equal(200);
    expect((await post.confirm(b)).status).to.equal(429);
    expect(t.calls('confirmEmail')).to.have.length(confirms + 2);
    expect((await post.confirm(client())).status).to.equal(200);

    const resets = t.calls('resetPassword').length;
    for (let i = 0; i < 2; i++) expect((await post.reset(b)).status).to.equal(200);
    const limited = await post.reset(b);
    expect(limited.status).to.equal(429);
    expect(retryAfter(limited)).to.be.within(3500, 3600);
    expect(t.calls('resetPassword')).to.have.length(resets + 2);
    expect(await limitedCount(t.metrics, 'register_confirm', 'address')).to.equal(1);
    expect(await limitedCount(t.metrics, 'password_reset', 'address')).to.equal(1);
  });

  it('counts all the IPv6 addresses of one /64 as one client', async () => {
    const from = (address: string) => new Browser(t.url, { 'x-forwarded-for': address });
    expect((await post.reset(from('2001:db8:5:6::1'))).status).to.equal(200);
    expect((await post.reset(from('2001:db8:5:6:aaaa::2'))).status).to.equal(200);
    expect((await post.reset(from('2001:db8:5:6::3'))).status).to.equal(429);
    expect((await post.reset(from('2001:db8:5:7::1'))).status).to.equal(200);
  });

  it('believes X-Forwarded-For only from the trusted proxy: without TRUST_PROXY it is the connection that counts', async () => {
    const direct = await t.startApp({ trustProxy: false });
    let i = 0;
    // Every request claims another address; all come from 127.0.0.1 and count there.
    const spoofing = () => new Browser(direct.url, { 'x-forwarded-for': `203.0.113.${++i}` });
    for (const k of [1, 2, 3])
      expect((await post.register(spoofing(), `s${k}@example.si`)).status).to.equal(303);
    expect((await post.register(spoofing(), 's4@example.si')).status).to.equal(429);
  });

  it('writes no e-mail address to the log when it refuses', async () => {
    const out = new PassThrough();
    const lines: string[] = [];
    out.on('data', (chunk: Buffer) => lines.push(chunk.toString()));
    const log = createLogger({ service: 'gateway-pages-test', level: 'debug', destination: out });
    const logged = await t.startApp({ trustProxy: true, log });
    const b = new Browser(logged.url, { 'x-forwarded-for': '192.0.2.77' });
    for (let i = 0; i < 2; i++) await post.forgot(b, 'secret.person@example.si');
    expect((await post.forgot(b, 'secret.person@example.si')).status).to.equal(429);
    const text = lines.join('');
    expect(text).to.include('abuse limit reached');
    expect(text).to.include('"endpoint":"password_forgot"');
    expect(text).not.to.include('secret.person');
    expect(text).not.to.include('192.0.2.77');
  });

  it('fails closed: without the counters (Redis down) a 503 page, and accounts is not asked', async () => {
    const dead = connectRedis({ url: 'redis://127.0.0.1:1', prefix: 'x:', log: testLog, name: 'dead' });
    try {
      const metrics = new Registry();
      const limits = createAbuseLimiter({
        redis: dead.redis,
        policy: LIMITS,
        keySecret: KEY_SECRET,
        registry: metrics,
      });
      const app = await t.startApp({ trustProxy: true, limits });
      const b = new Browser(app.url, { 'x-forwarded-for': '192.0.2.1' });
      const before = { forgot: t.calls('requestPasswordReset').length, register: t.calls('register').length };
      const forgot = await post.forgot(b, 'ana@example.si');
      expect(forgot.status).to.equal(503);
      expect(forgot.html).to.include('The service is unavailable right now');
      expect(forgot.html).to.include('infra.redis_down');
      expect((await post.register(b, 'dead@example.si')).status).to.equal(503);
      expect((await post.confirm(b)).status).to.equal(503);
      expect((await post.reset(b)).status).to.equal(503);
      expect(t.calls('requestPasswordReset')).to.have.length(before.forgot);
      expect(t.calls('register')).to.have.length(before.register);
      const unavailable = await metrics.getSingleMetric('idp_gateway_abuse_limit_unavailable_total')!.get();
      expect(unavailable.values.find((v) => v.labels.endpoint === 'password_forgot')?.value).to.equal(1);
    } finally {
      dead.redis.disconnect();
    }
  });

  it('keeps no client or e-mail address in Redis, only keyed digests with a TTL', async () => {
    await post.forgot(client(), 'mia@example.si');
    const keys = await t.redis.redis.keys(`${t.redis.prefix}rl:*`);
    expect(keys.length).to.be.at.least(2);
    const text = keys.join(' ');
    for (const clear of ['198.51.100', 'example.si', '2001:db8', 'mia']) expect(text).not.to.include(clear);
    for (const key of keys) {
      const ttl = await t.redis.redis.pttl(key.slice(t.redis.prefix.length));
      expect(ttl, key).to.be.within(1, HOUR);
    }
  });
});

describe('idp-gateway abuse limits after their window (real Redis, 3-second windows)', function () {
  this.timeout(60_000);
  const W = { max: 1, windowMs: 3000 };
  let t: PagesUnderTest;
  before(async () => {
    t = await startPages({
      trustProxy: true,
      limits: {
        register: { address: W, email: W },
        register_confirm: { address: W },
        password_forgot: { address: W, email: W },
        password_reset: { address: W },
      },
    });
  });
  after(async () => t?.close());

  it('lets a request through again once its window has passed, for every limit', async () => {
    let n = 0;
    const address = () => `198.51.100.${++n}`;
    const at = (a: string) => new Browser(t.url, { 'x-forwarded-for': a });
    // Each case: an admitted request, then one refused by exactly the limit named, then that one again.
    const cases: [string, number, () => Promise<PageResponse>, () => Promise<PageResponse>][] = [];
    const a1 = address();
    cases.push([
      'register/address',
      303,
      () => post.register(at(a1), 'w1@example.si'),
      () => post.register(at(a1), 'w2@example.si'),
    ]);
    cases.push([
      'register/email',
      303,
      () => post.register(at(address()), 'w3@example.si'),
      () => post.register(at(address()), 'W3@example.si'),
    ]);
    const a2 = address();
    cases.push(['register_confirm/address', 200, () => post.confirm(at(a2)), () => post.confirm(at(a2))]);
    const a3 = address();
    cases.push([
      'password_forgot/address',
      303,
      () => post.forgot(at(a3), 'w4@example.si'),
      () => post.forgot(at(a3), 'w5@example.si'),
    ]);
    cases.push([
      'password_forgot/email',
      303,
      () => post.forgot(at(address()), 'w6@example.si'),
      () => post.forgot(at(address()), 'w6@example.si'),
    ]);
    const a4 = address();
    cases.push(['password_reset/address', 200, () => post.reset(at(a4)), () => post.reset(at(a4))]);

    let until = 0;
    for (const [name, ok, first, second] of cases) {
      expect((await first()).status, name).to.equal(ok);
      const refused = await second();
      expect(refused.status, name).to.equal(429);
      expect(retryAfter(refused), name).to.be.within(1, 3);
      // Retry-After is counted from the refusal, so waiting that long is always enough.
      until = Math.max(until, Date.now() + retryAfter(refused) * 1000);
    }
    await sleep(Math.max(0, until - Date.now()) + 20);
    for (const [name, ok, , second] of cases) expect((await second()).status, name).to.equal(ok);
  });
});
