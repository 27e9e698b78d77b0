import type { RequestHandler } from '@idp/web';

/** The console's entry page. Officer sign-in (password + TOTP) is the next thing built here. */
export const consoleHomeRoute = (): RequestHandler => (_req, res) => {
  res
    .type('html')
    .set('cache-control', 'no-store')
    .send(
      '<!doctype html><html lang="sl"><head><meta charset="utf-8"><title>Registracijska pisarna / Registration authority</title></head>' +
        '<body><main><h1>Registracijska pisarna / Registration authority</h1>' +
        '<p>Konzola za uradnike. / Officer console.</p></main></body></html>',
    );
};
