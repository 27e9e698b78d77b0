import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { REPO_ROOT } from '../../../infra/dev/mesh.js';

/** Debian's chromium (infra/ensure-browser.sh installs it); never a downloaded browser. */
export const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-quic',
  '--no-first-run',
  '--disable-component-update',
  '--disable-sync',
];
// Every run writes its screenshots under var/; UPDATE_SCREENSHOTS=1 refreshes the README's copies.
export const SCREENSHOTS = join(
  REPO_ROOT,
  ...(process.env.UPDATE_SCREENSHOTS === '1' ? ['docs', 'screenshots'] : ['var', 'screenshots']),
);

/** Starts the browser (one process; each person in a test gets a context of their own). */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`no browser at ${CHROMIUM}: run bash infra/ensure-browser.sh (make test-e2e does)`);
  }
  mkdirSync(SCREENSHOTS, { recursive: true });
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
}

export interface Tab {
  context: BrowserContext;
  page: Page;
  /** Console errors and uncaught exceptions: a CSP violation (say, an inline script) shows up here. */
  problems: string[];
  /** A full-page screenshot as `<name>.png` under {@link SCREENSHOTS}. */
  shot(name: string): Promise<void>;
}

/**
 * A fresh context (its own cookies, no SSO session) with one page, JavaScript on. `locale` sets
 * Accept-Language, so the pages come in that language without choosing anything.
 */
export async function openTab(
  browser: Browser,
  o: { locale: string; viewport: { width: number; height: number } },
): Promise<Tab> {
  const context = await browser.newContext({
    locale: o.locale,
    viewport: o.viewport,
    javaScriptEnabled: true,
  });
  context.setDefaultTimeout(15_000);
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('console', (m) => {
    // A 4xx after a wrong password or code and the favicon's 404 are answers, not faults of the page.
    if (m.type() === 'error' && !m.text().startsWith('Failed to load resource'))
      problems.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
  return {
    context,
    page,
    problems,
    shot: async (name) => {
      await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
    },
  };
}

/**
 * A `waitForURL` matcher for the gateway's SSO endpoint, whose answer to an HTTP-Redirect
 * AuthnRequest is the password page.
 */
export const atGatewaySso =
  (gatewayUrl: string) =>
  (u: URL): boolean =>
    u.origin === new URL(gatewayUrl).origin && u.pathname === '/saml/sso';

/**
 * The page's icon as the server answers it (status, content type), so a browser never falls back
 * to a /favicon.ico that is not there.
 */
export async function servedIcon(page: Page): Promise<{ status: number; type: string | undefined }> {
  const href = await page.locator('link[rel="icon"]').getAttribute('href');
  if (!href) return { status: 0, type: undefined };
  const res = await page.request.get(new URL(href, page.url()).toString());
  return { status: res.status(), type: res.headers()['content-type'] };
}

/** The few DOM shapes the check below uses (the root typecheck has no DOM library). */
interface DomElement {
  tagName: string;
  id: string;
  textContent: string | null;
  getAttribute(name: string): string | null;
  matches(selector: string): boolean;
  closest(selector: string): DomElement | null;
}
interface DomDocument {
  title: string;
  documentElement: { lang: string };
  querySelectorAll(selector: string): Iterable<DomElement> & { length: number };
  getElementById(id: string): DomElement | null;
}

/**
 * What a screen-reader or keyboard user would trip over on the current page, as readable lines
 * (empty when nothing): the page has a language, a title and one h1; every form control has an
 * id and a `<label for>` with text; text-like inputs say their `autocomplete`; every error message
 * is tied to a control through `aria-describedby` and every control marked `aria-invalid` points at
 * one (or sits in a fieldset that does); `aria-describedby` and the error summary's links point at elements that exist; ids are
 * unique; buttons and links have text; images have alt text.
 */
export async function accessibilityProblems(page: Page): Promise<string[]> {
  // tsx (esbuild, keepNames) wraps the named functions below in __name(), which the page lacks.
  await page.evaluate('globalThis.__name ??= (f) => f');
  return page.evaluate(() => {
    const document = (globalThis as unknown as { document: DomDocument }).document;
    const all = (selector: string) => [...document.querySelectorAll(selector)];
    const out: string[] = [];
    const describe = (el: DomElement) => {
      const name = el.getAttribute('name');
      return `<${el.tagName.toLowerCase()}${el.id ? `#${el.id}` : ''}${name ? ` name=${name}` : ''}>`;
    };
    const text = (el: DomElement | null | undefined) => (el?.textContent ?? '').trim();
    if (!document.documentElement.lang) out.push('<html> has no lang');
    if (!document.title.trim()) out.push('the page has no <title>');
    const h1s = document.querySelectorAll('h1').length;
    if (h1s !== 1) out.push(`${h1s} <h1> on the page`);

    const ids = new Map<string, number>();
    for (const el of all('[id]')) ids.set(el.id, (ids.get(el.id) ?? 0) + 1);
    for (const [id, n] of ids) if (n > 1) out.push(`id "${id}" is used ${n} times`);

    const labels = all('label[for]');
    const controls = all('input, select, textarea').filter(
      (el) => !['hidden', 'submit', 'button', 'reset'].includes(el.getAttribute('type') ?? ''),
    );
    const textLike = ['text', 'email', 'password', 'tel', 'number', 'search', 'url'];
    for (const el of controls) {
      const label = el.id ? labels.find((l) => l.getAttribute('for') === el.id) : el.closest('label');
      if (!text(label)) out.push(`${describe(el)} has no label`);
      const type = el.tagName === 'INPUT' ? (el.getAttribute('type') ?? 'text') : '';
      if (textLike.includes(type) && !el.getAttribute('autocomplete'))
        out.push(`${describe(el)} has no autocomplete attribute`);
    }

    const describedBy = new Set<string>();
    for (const el of all('[aria-describedby]')) {
      for (const ref of el.getAttribute('aria-describedby')!.split(/\s+/).filter(Boolean)) {
        describedBy.add(ref);
        if (!document.getElementById(ref)) out.push(`${describe(el)} aria-describedby "${ref}" is missing`);
      }
    }
    for (const el of all('[aria-invalid="true"]')) {
      // A group of radios or checkboxes is described on its fieldset.
      const refs = [el, el.closest('fieldset')]
        .flatMap((e) => (e?.getAttribute('aria-describedby') ?? '').split(/\s+/))
        .filter(Boolean);
      const tied = refs.some((r) => {
        const target = document.getElementById(r);
        return (
          !!target && (target.matches('.error') || target.getAttribute('role') === 'alert') && !!text(target)
        );
      });
      if (!tied) out.push(`${describe(el)} is aria-invalid but no error message describes it`);
    }
    for (const el of all('.error')) {
      if (!el.id || !describedBy.has(el.id))
        out.push(`error "${text(el)}" is not tied to a field (aria-describedby)`);
    }
    for (const a of all('.error-summary a[href^="#"]')) {
      const target = document.getElementById(a.getAttribute('href')!.slice(1));
      if (!target?.matches('input, select, textarea'))
        out.push(`error summary link ${a.getAttribute('href')} leads to no form control`);
    }
    for (const el of all('button, a[href]')) {
      if (!text(el) && !el.getAttribute('aria-label')) out.push(`${describe(el)} has no text`);
    }
    for (const img of all('img')) {
      if (img.getAttribute('alt') === null) out.push(`${describe(img)} has no alt`);
    }
    return out;
  });
}
