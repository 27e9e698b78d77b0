import { createHash } from 'node:crypto';
import type { RequestHandler } from '@idp/web';

/** GET /saml/metadata: cacheable, with an ETag so SPs that poll it revalidate cheaply. */
export function metadataRoute(xml: string): RequestHandler {
  const etag = `"${createHash('sha256').update(xml).digest('base64url').slice(0, 27)}"`;
  return (req, res) => {
    res.set({ 'cache-control': 'public, max-age=3600', etag });
    if (req.headers['if-none-match'] === etag) {
      res.status(304).end();
      return;
    }
    res.type('application/samlmetadata+xml').send(xml);
  };
}
