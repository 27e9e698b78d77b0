import { fileURLToPath } from 'node:url';
import { Eta } from 'eta';
import { LANGS, messages, type Lang } from './i18n.js';

/** `views/` and `static/` sit beside `src/` and `dist/`, so one path works for both. */
export const VIEWS_DIR = fileURLToPath(new URL('../../views', import.meta.url));
export const STATIC_DIR = fileURLToPath(new URL('../../static', import.meta.url));

// autoEscape is Eta's default; stated so nobody turns it off by accident: every value is untrusted.
const eta = new Eta({ views: VIEWS_DIR, autoEscape: true, cache: true });

export function renderPage(
  view: string,
  lang: Lang,
  data: Record<string, unknown> & { title?: string; langUrl?: string },
): string {
  const otherLang = LANGS.find((l) => l !== lang)!;
  return eta.render(view, {
    lang,
    otherLang,
    m: messages[lang],
    title: data.title ?? messages[lang].title,
    ...data,
  });
}
