import { accountsRpc } from '@idp/events';
import type { Request, RequestHandler, Response } from '@idp/web';
import type { FlowDeps } from '../flow/deps.js';
import { LoginFlow } from '../flow/login-flow.js';
import { newToken, type SsoSession } from '../session/store.js';
import type { Lang } from '../web/i18n.js';
import { browserState, COOKIE, formBody } from './browser-state.js';
import { langUrl, rememberLang, sameToken, sendFormExpired, sendPage, showErrorPage } from './pages.js';

/** What a user page handler gets: the logged-in session, its language, and a render helper. */
export interface UserPageContext {
  session: SsoSession;
  lang: Lang;
  /** Renders a view inside the layout with the session's CSRF token and the language switch. */
  render(view: string, data: Record<string, unknown>, status?: number): void;
}

/** Options of one user page. */
export interface UserPageOptions {
  /**
   * The login must be at most this old (ms): an older session logs in again, at the account's
   * strongest method, before the page runs (adding a phone, say).
   */
  freshLoginMs?: number;
}

/**
 * Wraps the user pages' handlers: each needs an SSO session. Without one (or with a password-only
 * session of an account whose smsPASS is active) the gateway starts a login of its own — the same
 * login transaction and pages as an SP's login — that comes back to `page` when it is done. Posts
 * must carry the session's CSRF token.
 */
export function userPages(
  d: FlowDeps,
): (
  page: string,
  handler: (req: Request, res: Response, ctx: UserPageContext) => Promise<void>,
  options?: UserPageOptions,
) => RequestHandler[] {
  const flow = new LoginFlow(d);
  const browser = browserState(d.secureCookies);

  const login = async (res: Response, page: string, lang: Lang, upgrades?: string) => {
    const tx = await flow.startLocal(page, lang, upgrades);
    res.append('set-cookie', browser.cookie(COOKIE.tx, tx.id));
    res.redirect(303, '/login');
  };

  return (
    /** The GET page this route belongs to: where the login comes back to. */
    page: string,
    handler: (req: Request, res: Response, ctx: UserPageContext) => Promise<void>,
    options: UserPageOptions = {},
  ) =>
    [
      formBody,
      (req: Request, res: Response, next: (err?: unknown) => void) => {
        const run = async () => {
          const lang = rememberLang(req, res, browser);
          const now = d.now();
          // A GET comes back with its query (the notice of what was just done); the path is the
          // route's own, never taken from the request, so the login cannot return anywhere else.
          const query = req.originalUrl.indexOf('?');
          const search = query >= 0 ? req.originalUrl.slice(query) : '';
          const back = req.method === 'GET' && search.length <= 200 ? `${page}${search}` : page;
          const id = browser.read(req, COOKIE.session);
          const session = id ? await d.store.getSession(id, now) : undefined;
          if (!session) return login(res, back, lang);
          if (session.loa === 'low') {
            const { smsPass } = await d.rpc.call(
              accountsRpc.getAttributes,
              { accountId: session.accountId },
              { correlationId: req.correlationId },
            );
            // The user pages change what logins rely on: they ask for the account's strongest method.
            if (smsPass === 'active') return login(res, back, lang, session.id);
          }
          if (
            options.freshLoginMs !== undefined &&
            now.getTime() - Date.parse(session.authnInstant) > options.freshLoginMs
          ) {
            // Same session, logged in again (forceAuthn) with the account's strongest method.
            return login(res, back, lang, session.id);
          }
          if (!session.csrfToken) {
            session.csrfToken = newToken();
            await d.store.putSession(session, now);
          }
          const csrf = session.csrfToken;
          if (req.method === 'POST' && !sameToken((req.body as Record<string, unknown>).csrf, csrf)) {
            sendFormExpired(req, res, lang, page);
            return;
          }
          const ctx: UserPageContext = {
            session,
            lang,
            render: (view, data, status = 200) =>
              sendPage(res, view, lang, { langUrl: langUrl(req, lang), csrf, ...data }, status),
          };
          await handler(req, res, ctx);
        };
        run().catch((err: unknown) => {
          if (!showErrorPage(req, res, err, browser.lang(req))) next(err);
        });
      },
    ] as const;
}
