import { activationRpc, type RpcClient } from '@idp/events';
import type { RequestHandler } from '@idp/web';
import { renderPage } from '../web/views.js';

/** GET /dev/mail (development only): the e-mails (confirmation and reset links) from activation's sink. */
export const devMailRoute =
  (rpc: RpcClient): RequestHandler =>
  (req, res, next) => {
    rpc
      .call(activationRpc.devMail, { limit: 20 }, { correlationId: req.correlationId })
      .then(({ messages }) => {
        res
          .type('html')
          .set({ 'cache-control': 'no-store', refresh: '5' })
          .send(renderPage('dev-mail', 'en', { title: 'Development e-mail', messages }));
      }, next);
  };
