import type { RequestHandler } from '@idp/web';

/** The gateway's front page: a citizen who lands here without an e-service learns where to go. */
export const homeRoute = (): RequestHandler => (_req, res) => {
  res
    .type('html')
    .set('cache-control', 'public, max-age=300')
    .send(
      '<!doctype html><html lang="sl"><head><meta charset="utf-8"><title>Prijava / Login</title></head><body>' +
        '<main><h1>Prijava v e-storitve / Login to e-services</h1>' +
        '<p>Za prijavo odprite e-storitev, ki jo želite uporabiti. / To log in, open the e-service you want to use.</p>' +
        '</main></body></html>',
    );
};
