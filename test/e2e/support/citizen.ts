// What the end-to-end suites do as a citizen and as an officer: register and log in at the gateway
// over HTTP without JavaScript, read the development mail and SMS sinks, enrol and log in to the
// officer console, present a client certificate on the gateway's mTLS listener, read IDP_EVENTS.
import { expect } from 'chai';
import { request as httpsRequest } from 'node:https';
import { generateSync } from 'otplib';
import { EVENTS_STREAM, jetstreamManager, type Envelope } from '@idp/events';
import { isPortOpen } from '@idp/testing';
import { Browser, type Page } from './browser.js';
import type { ClientCertificate } from './pki.js';
import { sinks } from './sinks.js';
import type { Stack } from './stack.js';

export interface Citizen {
  email: string;
  password: string;
  givenName: string;
  familyName: string;
  taxNumber: string;
  birthDate: string;
  phone: string;
}

export const DAY = 86_400_000;

/** Ports in 29100–29899: outside the mesh stacks' 20000–29099 (support/stack.ts). */
export async function freePort(): Promise<number> {
  for (;;) {
    const port = 29_100 + Math.floor(Math.random() * 800);
    if (!(await isPortOpen('127.0.0.1', port))) return port;
  }
}

export const unescapeHtml = (s: string) =>
  s.replace(/&(amp|quot|#39|lt|gt);/g, (_, e: string) =>
    e === 'amp' ? '&' : e === 'quot' ? '"' : e === '#39' ? "'" : e === 'lt' ? '<' : '>',
  );
/** The first error message of a form (its summary or a field's). */
export const formError = (p: Page) => /<p class="error"[^>]*>([^<]*)</.exec(p.html)?.[1];

/** What the development mail sink holds for `email`, oldest first. */
export const mailsTo = (stack: Stack, email: string) => sinks(stack).mailsTo(email);
/** What the development SMS sink holds for `phone`, oldest first. */
export const smsTo = (stack: Stack, phone: string) => sinks(stack).smsTo(phone);

/** What the `n`th (1-based) mail to `email` says once it is there, matched by `re`. */
export async function fromMail(stack: Stack, email: string, n: number, re: RegExp): Promise<string> {
  const mail = await sinks(stack).nthMail(email, n);
  const m = re.exec(mail.text);
  expect(m, mail.text).to.not.equal(null);
  return m![1]!;
}

/** /register → the mailed link → the confirmation button; then the password-only local login at /account. */
export async function registerAndLogIn(stack: Stack, who: Citizen): Promise<Browser> {
  const gw = (path: string) => `${stack.gatewayUrl}${path}`;
  const b = new Browser();
  const form = await b.go(gw('/register'));
  expect(form.status).to.equal(200);
  const sent = await b.submit(form, '/register', {
    email: who.email,
    password: who.password,
    givenName: who.givenName,
    familyName: who.familyName,
    taxNumber: who.taxNumber,
    birthDate: who.birthDate,
    street: 'Slovenska cesta 1',
    postalCode: '1000',
    city: 'Ljubljana',
    country: 'SI',
    terms: 'yes',
  });
  expect(sent.url.pathname, sent.html).to.equal('/register/sent');

  const link = new URL(await fromMail(stack, who.email, 1, /(https?:\/\/\S+\/register\/confirm\?token=\S+)/));
  const confirm = await b.go(gw(link.pathname + link.search));
  expect(confirm.has('action="/register/confirm"')).to.equal(true);
  const confirmed = await b.submit(confirm, '/register/confirm');
  expect(confirmed.status, confirmed.html).to.equal(200);

  const login = await b.go(gw('/account'));
  expect(login.url.pathname).to.equal('/login');
  const account = await b.submit(login, '/login/password', { email: who.email, password: who.password });
  expect(account.url.pathname, account.html).to.equal('/account');
  expect(account.has(who.familyName)).to.equal(true);
  return b;
}

/** An officer's first login at the console: password, then the authenticator enrolled from the QR page's otpauth URI. */
export async function officerEnrols(
  consoleUrl: string,
  officer: { email: string; password: string },
): Promise<Browser> {
  const o = new Browser();
  const login = await o.go(`${consoleUrl}/`);
  expect(login.url.pathname).to.equal('/login');
  const enrol = await o.submit(login, '/login', officer);
  expect(enrol.url.pathname, enrol.html).to.equal('/login/enrol');
  expect(enrol.html).to.match(/id="qr" src="data:image\/png;base64,/);
  const uri = new URL(unescapeHtml(/id="otpauth-uri"[^>]*>([^<]+)</.exec(enrol.html)![1]!));
  expect(uri.protocol).to.equal('otpauth:');
  const home = await o.submit(enrol, '/login/enrol', {
    code: generateSync({ secret: uri.searchParams.get('secret')! }),
  });
  expect(home.url.pathname, home.html).to.equal('/');
  return o;
}

/**
 * Posts a "present certificate" form over the gateway's mTLS listener with `cert` as the client
 * certificate and the browser's cookies; resolves with where the listener sends the browser.
 */
export function presentOverMtls(
  form: { action: string; fields: Record<string, string> },
  cert: ClientCertificate,
  cookie: string,
): Promise<URL> {
  return new Promise<URL>((resolve, reject) => {
    const req = httpsRequest(
      form.action,
      {
        method: 'POST',
        // The listener's certificate is self-signed for these tests; what is tested is the client side.
        rejectUnauthorized: false,
        cert: cert.pem,
        key: cert.keyPem,
        headers: { 'content-type': 'application/x-www-form-urlencoded', cookie },
      },
      (res) => {
        res.resume();
        res.on('end', () =>
          res.statusCode === 303
            ? resolve(new URL(res.headers.location!))
            : reject(new Error(`mTLS answered ${res.statusCode}`)),
        );
      },
    );
    req.on('error', reject);
    req.end(new URLSearchParams(form.fields).toString());
  });
}

/** Every event in IDP_EVENTS with this subject, in stream order. */
export async function eventsOf(stack: Pick<Stack, 'nc'>, subject: string): Promise<Envelope[]> {
  const jsm = await jetstreamManager(stack.nc);
  const info = await jsm.streams.info(EVENTS_STREAM);
  const out: Envelope[] = [];
  for (let seq = info.state.first_seq; info.state.messages > 0 && seq <= info.state.last_seq; seq++) {
    const m = await jsm.streams.getMessage(EVENTS_STREAM, { seq }).catch(() => null);
    if (m?.subject === subject) out.push(m.json<Envelope>());
  }
  return out;
}
