import { fileURLToPath } from 'node:url';
import { Eta } from 'eta';

/**
 * Where a service's `views/` and `static/` sit: beside `src/` and `dist/`, so one path works for
 * both. `moduleUrl` is the `import.meta.url` of a module one folder below `src/` (e.g. `src/web/`).
 */
export function pageDirs(moduleUrl: string): { views: string; static: string } {
  return {
    views: fileURLToPath(new URL('../../views', moduleUrl)),
    static: fileURLToPath(new URL('../../static', moduleUrl)),
  };
}

export type PageData = Record<string, unknown> & { title?: string; langUrl?: string };

/**
 * Renders Eta views with the page's language, the other language (for the switch link), that
 * language's messages as `m`, and a title that defaults to the messages' title.
 */
export function createPageRenderer<L extends string, M extends { title: string }>(o: {
  views: string;
  langs: readonly L[];
  messages: Record<L, M>;
}): (view: string, lang: L, data: PageData) => string {
  // autoEscape is Eta's default; stated so nobody turns it off by accident: every value is untrusted.
  const eta = new Eta({ views: o.views, autoEscape: true, cache: true });
  return (view, lang, data) => {
    const otherLang = o.langs.find((l) => l !== lang)!;
    return eta.render(view, {
      lang,
      otherLang,
      m: o.messages[lang],
      title: data.title ?? o.messages[lang].title,
      ...data,
    });
  };
}
