import http from 'node:http';
import { waitFor } from '@idp/testing';

// node:http with keep-alive rather than fetch: the load benchmark runs this client on the same two
// cores as the mesh, and fetch's web streams cost several times more CPU per request.
const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

interface RawResponse {
  status: number;
  headers: Headers;
  setCookies: string[];
  body: string;
}

function request(
  url: URL,
  method: string,
  headers: Record<string, string>,
  body?: string,
): Promise<RawResponse> {
  if (url.protocol !== 'http:') return Promise.reject(new Error(`Browser speaks http only: ${url.href}`));
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, headers, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => {
        const h = new Headers();
        for (const [k, v] of Object.entries(res.headers)) {
          if (v === undefined || k === 'set-cookie') continue;
          h.set(k, Array.isArray(v) ? v.join(', ') : v);
        }
        resolve({
          status: res.statusCode ?? 0,
          headers: h,
          setCookies: res.headers['set-cookie'] ?? [],
          body: Buffer.concat(chunks).toString('utf8'),
        });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

/**
 * A minimal cookie-keeping HTTP client that follows redirects like a browser and can submit the
 * forms on a page. Enough to drive the login pages without JavaScript (which they must support).
 */
export class Browser {
  private readonly jar = new Map<string, Map<string, string>>();

  private cookieHeader(url: URL): string | undefined {
    const cookies = this.jar.get(url.host);
    return cookies && cookies.size ? [...cookies].map(([k, v]) => `${k}=${v}`).join('; ') : undefined;
  }

  private store(url: URL, setCookies: readonly string[]) {
    for (const line of setCookies) {
      const [pair, ...attrs] = line.split(';');
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq).trim();
      const value = pair!.slice(eq + 1).trim();
      const cookies = this.jar.get(url.host) ?? new Map<string, string>();
      const expired = attrs.some((a) => /^\s*max-age=0\s*$/i.test(a));
      if (expired || value === '') cookies.delete(name);
      else cookies.set(name, value);
      this.jar.set(url.host, cookies);
    }
  }

  /** The Cookie header this browser would send to `url` (for a request made outside `go`). */
  cookiesFor(url: string): string | undefined {
    return this.cookieHeader(new URL(url));
  }

  cookie(host: string, name: string): string | undefined {
    return this.jar.get(host)?.get(name);
  }

  /** Requests `url`, following redirects (303 turns a POST into a GET, as browsers do). */
  async go(
    url: string,
    init: { method?: string; form?: Record<string, string>; headers?: Record<string, string> } = {},
  ): Promise<Page> {
    let target = new URL(url);
    let method = init.method ?? (init.form ? 'POST' : 'GET');
    let body: string | undefined = init.form ? new URLSearchParams(init.form).toString() : undefined;
    for (let hops = 0; hops < 10; hops++) {
      const headers: Record<string, string> = { 'accept-language': 'en', ...init.headers };
      const cookie = this.cookieHeader(target);
      if (cookie) headers.cookie = cookie;
      if (body !== undefined) headers['content-type'] = 'application/x-www-form-urlencoded';
      const res = await request(target, method, headers, body);
      this.store(target, res.setCookies);
      if ([301, 302, 303, 307, 308].includes(res.status)) {
        target = new URL(res.headers.get('location')!, target);
        if (res.status === 303 || ((res.status === 301 || res.status === 302) && method === 'POST')) {
          method = 'GET';
          body = undefined;
        }
        continue;
      }
      return new Page(target, res.status, res.body, res.headers);
    }
    throw new Error(`too many redirects from ${url}`);
  }

  /** Submits the form whose action matches, with its hidden fields plus `fields`. */
  submit(page: Page, action: string, fields: Record<string, string> = {}): Promise<Page> {
    const form = page.form(action);
    return this.go(new URL(form.action, page.url).toString(), {
      method: form.method,
      form: { ...form.fields, ...fields },
    });
  }
}

const attr = (tag: string, name: string) => new RegExp(`${name}="([^"]*)"`).exec(tag)?.[1];
const unescapeHtml = (s: string) =>
  s.replace(
    /&(amp|lt|gt|quot|#39|#x27|apos);/g,
    (_, e: string) => ({ amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'", '#x27': "'", apos: "'" })[e]!,
  );

export class Page {
  constructor(
    readonly url: URL,
    readonly status: number,
    readonly html: string,
    readonly headers: Headers,
  ) {}

  form(action: string): { action: string; method: string; fields: Record<string, string> } {
    const forms = [...this.html.matchAll(/<form\b([^>]*)>([\s\S]*?)<\/form>/g)];
    const found = forms.find((f) => unescapeHtml(attr(f[1]!, 'action') ?? '').includes(action));
    if (!found)
      throw new Error(
        `no form with action ${action} on ${this.url} (status ${this.status}):\n${this.html.slice(0, 2000)}`,
      );
    const fields: Record<string, string> = {};
    for (const input of found[2]!.matchAll(/<input\b([^>]*)>/g)) {
      const name = attr(input[1]!, 'name');
      if (name && attr(input[1]!, 'type') === 'hidden')
        fields[name] = unescapeHtml(attr(input[1]!, 'value') ?? '');
    }
    return {
      action: unescapeHtml(attr(found[1]!, 'action')!),
      method: (attr(found[1]!, 'method') ?? 'get').toUpperCase(),
      fields,
    };
  }

  has(text: string): boolean {
    return this.html.includes(text);
  }
}

/** The gateway's password page (the answer to an SP's AuthnRequest, or `/login` for the user pages). */
export const atPasswordPage = (page: Page): boolean => page.has('action="/login/password"');

/**
 * Waits until the gateway's SP registry has picked up the SP at `spUrl` (its registry poll): the SP's
 * login then lands on our login page instead of an unknown-Issuer error.
 */
export async function waitForSpAtGateway(spUrl: string): Promise<void> {
  await waitFor(
    `${spUrl} registered at the gateway`,
    async () => {
      const page = await new Browser().go(`${spUrl}/login`);
      return page.status === 200 && atPasswordPage(page);
    },
    15_000,
    200,
  );
}
