import { otpRpc, type RpcClient } from '@idp/events';
import type { RequestHandler } from '@idp/web';
import { renderPage } from '../web/views.js';

/** GET /dev/sms (development only): the SMS a newcomer needs to finish a login, read from otp-sender's sink. */
export const devSmsRoute =
  (rpc: RpcClient): RequestHandler =>
  (req, res, next) => {
    rpc.call(otpRpc.devMessages, { limit: 20 }, { correlationId: req.correlationId }).then(({ messages }) => {
      res
        .type('html')
        .set({ 'cache-control': 'no-store', refresh: '5' })
        .send(renderPage('dev-sms', 'en', { title: 'Development SMS', messages }));
    }, next);
  };
