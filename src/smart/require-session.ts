import type { Request, RequestHandler, Response } from 'express';
import { EligoError } from '../errors/eligo-error';
import type { SmartContext } from './context';
import { readCookie, sessionCookieName } from './cookies';
import type { ActiveSession } from './session';
import { loadSession } from './sessions';

const LOCALS_KEY = 'smartSession';

/** Attaches the caller's SMART session (tokens fresh) or answers 401: no launch, no access. */
export function requireSession(ctx: SmartContext): RequestHandler {
  return async (req, res, next) => {
    const session = await sessionOf(ctx, req);
    if (!session) {
      throw new EligoError('ERR_UNAUTHORIZED', 'no SMART session, or it has ended; open eligo from the patient chart in the EHR', { where: 'session' });
    }
    res.locals[LOCALS_KEY] = session;
    next();
  };
}

export function sessionOf(ctx: SmartContext, req: Request): Promise<ActiveSession | undefined> {
  return loadSession(ctx, readCookie(req, sessionCookieName(ctx.config)));
}

/** The session requireSession attached; throws if the route was mounted without it. */
export function currentSession(res: Response): ActiveSession {
  const session = res.locals[LOCALS_KEY] as ActiveSession | undefined;
  if (!session) throw new EligoError('ERR_INTERNAL', 'route used without requireSession');
  return session;
}

export function hasSessionCookie(ctx: SmartContext, req: Request): boolean {
  return (req.headers.cookie ?? '').split(';').some((part) => part.trim().startsWith(`${sessionCookieName(ctx.config)}=`));
}
