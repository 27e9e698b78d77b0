import { renderStatsHtml, type StatsPeriod } from '@idp/audit';
import { DomainError, StatsPeriodSchema } from '@idp/events';
import type { Logger } from '@idp/observability';
import { createWebApp, errorHandler, type Express, type Request } from '@idp/web';
import type { StatsProjection } from '../stats-projection.js';

const STYLE = `body{font-family:system-ui,sans-serif;margin:2rem;color:#1b1b1b}
nav a{margin-right:1rem}nav a[aria-current]{font-weight:bold;text-decoration:none;color:inherit}
table{border-collapse:collapse;margin:1.5rem 0}caption{text-align:left;font-weight:bold;padding:.25rem 0}
th,td{border:1px solid #ccc;padding:.25rem .5rem;text-align:left}td.num{text-align:right;font-variant-numeric:tabular-nums}
`;

const periodOf = (req: Request): StatsPeriod => {
  const parsed = StatsPeriodSchema.optional().safeParse(req.query.period);
  if (!parsed.success)
    throw new DomainError('invalid_argument', 'notary.invalid_period', {
      message: 'period must be day, week or month',
    });
  return parsed.data ?? 'day';
};

const page = (title: string, body: string) =>
  `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${title}</title>` +
  '<meta name="viewport" content="width=device-width, initial-scale=1">' +
  `<link rel="stylesheet" href="/stats.css"></head><body><main><h1>${title}</h1>${body}</main></body></html>`;

/**
 * The notary's operator page: the live anonymous statistics as HTML (`/stats?period=day|week|month`)
 * and JSON (`/stats.json`, the shape of `idp audit stats --format json` plus `lastSeq`). It holds
 * counts only, but it is for operators: served on an internal address, never published.
 */
export function createOperatorApp(o: { projection: StatsProjection; log: Logger }): Express {
  const app = createWebApp({ log: o.log });
  // CSP allows only same-origin stylesheets (no inline style), hence a route of its own.
  app.get('/stats.css', (_req, res) => {
    res.type('css').set('cache-control', 'public, max-age=3600').send(STYLE);
  });
  app.get('/', (_req, res) => res.redirect('/stats'));
  app.get('/stats', (req, res) => {
    const period = periodOf(req);
    res.type('html').set('cache-control', 'no-store');
    const title = 'Anonymous statistics';
    if (!o.projection.isCaughtUp()) {
      res
        .status(503)
        .set('retry-after', '5')
        .send(
          page(
            title,
            `<p>Still reading the audit log (through sequence ${o.projection.lastSeq()}); the counts appear once it has reached the end.</p>`,
          ),
        );
      return;
    }
    const view = o.projection.view(period);
    const nav = (['day', 'week', 'month'] as const)
      .map((p) =>
        p === period
          ? `<a href="?period=${p}" aria-current="page">per ${p}</a>`
          : `<a href="?period=${p}">per ${p}</a>`,
      )
      .join('');
    res.send(
      page(
        title,
        `<nav>${nav}<a href="/stats.json?period=${period}">JSON</a></nav>` +
          `<p>Counted from the audit log IDP_EVENTS through sequence ${view.lastSeq}. Counts only: no personal data.</p>` +
          renderStatsHtml(view),
      ),
    );
  });
  app.get('/stats.json', (req, res) => {
    const period = periodOf(req);
    if (!o.projection.isCaughtUp())
      throw new DomainError('unavailable', 'notary.catching_up', {
        message: `still reading the log (through seq ${o.projection.lastSeq()})`,
      });
    res.set('cache-control', 'no-store').json(o.projection.view(period));
  });
  app.use(errorHandler());
  return app;
}
