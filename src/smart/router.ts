import { STRICT_ROUTING } from '../http/routing';
import express, { type Request, type Router } from 'express';
import { EligoError } from '../errors/eligo-error';
import { htmlErrorHandler } from '../web/problem-page';
import type { SmartContext } from './context';
import { clearCookie, launchCookieName, readCookie, sameSecret, sessionCookieName, setCookie } from './cookies';
import { beginLaunch, completeLaunch } from './launch-flow';
import { APP_PATH } from './paths';
import { sessionOf } from './require-session';
import { endSession } from './sessions';

/**
 * The SMART App Launch endpoints, mounted at /smart (SMART_PATH):
 * GET /launch?iss&launch (EHR launch; standalone without `launch`), GET /callback (the redirect
 * URI), POST /logout. Errors are pages for a person, not JSON.
 */
export function createSmartRouter(ctx: SmartContext): Router {
  const router = express.Router(STRICT_ROUTING);
  const { config } = ctx;

  router.get('/launch', async (req, res) => {
    const start = await beginLaunch(ctx, { iss: queryValue(req, 'iss'), launch: queryValue(req, 'launch') });
    setCookie(res, config, launchCookieName(config), start.binding, config.launchTtlSeconds);
    res.set('Cache-Control', 'no-store');
    res.redirect(302, start.redirectTo);
  });

  router.get('/callback', async (req, res) => {
    const params: Record<string, string> = {};
    for (const [key, value] of Object.entries(req.query)) if (typeof value === 'string') params[key] = value;
    const binding = readCookie(req, launchCookieName(config));
    clearCookie(res, config, launchCookieName(config));
    const { sessionId } = await completeLaunch(ctx, params, binding);
    // A new launch replaces the browser's earlier session (another patient, perhaps) for good.
    const previous = readCookie(req, sessionCookieName(config));
    if (previous !== undefined) await endSession(ctx, previous);
    setCookie(res, config, sessionCookieName(config), sessionId, config.sessionTtlSeconds);
    res.set('Cache-Control', 'no-store');
    res.redirect(303, `${config.appBaseUrl}${APP_PATH}/`);
  });

  router.post('/logout', express.urlencoded({ extended: false, limit: '4kb' }), async (req, res) => {
    const session = await sessionOf(ctx, req);
    if (session) {
      const sent = (req.body as Record<string, unknown> | undefined)?.csrf;
      if (typeof sent !== 'string' || !sameSecret(sent, session.csrfToken)) throw new EligoError('ERR_FORBIDDEN', 'the form is stale or came from another site; reload the page', { where: 'csrf' });
      await endSession(ctx, session.id);
    }
    clearCookie(res, config, sessionCookieName(config));
    res.set('Cache-Control', 'no-store').type('text/plain').send('Signed out of eligo. Open it again from the EHR.');
  });

  router.use(htmlErrorHandler(ctx.log, config.frameAncestors));
  return router;
}

function queryValue(req: Request, name: string): string | undefined {
  const value = req.query[name];
  return typeof value === 'string' && value !== '' ? value : undefined;
}
