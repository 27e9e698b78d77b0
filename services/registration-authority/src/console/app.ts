import { createWebApp, errorHandler, mountStatic, type Express } from '@idp/web';
import type { Logger } from '@idp/observability';
import { mountAuthRoutes } from '../http/auth-routes.js';
import { rememberLang } from '../http/browser.js';
import { mountConsoleRoutes } from '../http/console-routes.js';
import { STATIC_DIR } from '../web/views.js';
import { Decisions } from './decisions.js';
import type { ConsoleDeps } from './deps.js';
import { OfficerAuth } from './officer-auth.js';

/** The officer console's express app: the login pages and the pages behind them. */
export function createConsoleApp(d: ConsoleDeps, o: { secureCookies: boolean; log: Logger }): Express {
  const app = createWebApp({ log: o.log });
  mountStatic(app, STATIC_DIR);
  app.use(rememberLang(o.secureCookies));
  const auth = new OfficerAuth(d);
  mountAuthRoutes(app, { auth, secureCookies: o.secureCookies });
  mountConsoleRoutes(app, { auth, decisions: new Decisions(d), secureCookies: o.secureCookies });
  app.use(errorHandler());
  return app;
}
