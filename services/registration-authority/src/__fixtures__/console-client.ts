// A cookie-keeping fetch client for the console's pages, the way a browser without JavaScript uses them.

export interface PageResponse {
  status: number;
  /** Where a redirect pointed (path and query), when it was one. */
  location: string | undefined;
  headers: Headers;
  html: string;
}

const unescapeHtml = (s: string) =>
  s.replace(
    /&(amp|lt|gt|quot|#39|#x27|apos|#x2F);/g,
    (_, e: string) =>
      ({ amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'", '#x27': "'", apos: "'", '#x2F': '/' })[e]!,
  );

export class ConsoleClient {
  readonly cookies = new Map<string, string>();
  /** Every Set-Cookie line the server sent, for checking their attributes. */
  readonly setCookies: string[] = [];

  constructor(private readonly base: string) {}

  async request(path: string, form?: Record<string, string>): Promise<PageResponse> {
    const headers: Record<string, string> = { 'accept-language': 'en' };
    if (this.cookies.size) headers.cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    if (form) headers['content-type'] = 'application/x-www-form-urlencoded';
    const res = await fetch(new URL(path, this.base), {
      method: form ? 'POST' : 'GET',
      headers,
      redirect: 'manual',
      ...(form ? { body: new URLSearchParams(form).toString() } : {}),
    });
    for (const line of res.headers.getSetCookie()) {
      this.setCookies.push(line);
      const [pair, ...attrs] = line.split(';');
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq).trim();
      const value = pair!.slice(eq + 1).trim();
      if (value === '' || attrs.some((a) => /^\s*max-age=0\s*$/i.test(a))) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    const location = res.headers.get('location') ?? undefined;
    return { status: res.status, location, headers: res.headers, html: await res.text() };
  }

  get = (path: string) => this.request(path);
  post = (path: string, form: Record<string, string>) => this.request(path, form);
}

/** The value of a hidden input on a page (the CSRF token, say). */
export function hidden(html: string, name: string): string {
  const m = new RegExp(`<input type="hidden" name="${name}" value="([^"]*)"`).exec(html);
  if (!m) throw new Error(`no hidden ${name} on the page:\n${html.slice(0, 1500)}`);
  return unescapeHtml(m[1]!);
}

/** The text of the element with this id. */
export function textOf(html: string, id: string): string | undefined {
  const m = new RegExp(`id="${id}"[^>]*>([^<]*)<`).exec(html);
  return m ? unescapeHtml(m[1]!) : undefined;
}
