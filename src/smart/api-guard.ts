import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import { errorToOutcome, sendOutcome } from '../http/operation-outcome';
import { guardPath } from '../http/routing';
import { loggableError } from './safe-error';
import { EligoError } from '../errors/eligo-error';
import type { SmartContext } from './context';
import { hasSessionCookie, sessionOf } from './require-session';

export interface ApiGuardOptions {
  /** Refuse API calls that carry no SMART session at all (deployments where the API is only for the app). */
  requireSession?: boolean;
}

const REPORT_ROUTE = /^\/trials\/[^/]+\/reports\/([^/?]+)\/?$/;
const SCREEN_ROUTE = /^\/trials\/[^/]+\/screen\/?$/;
/** Population-level: a session launched for one patient has no business there. */
const COHORT_ROUTE = /^\/cohort-runs(?:\/|$)/;

/**
 * Put in front of the core JSON API (src/http/api.ts): a caller with a SMART session reads and
 * screens only its launched patient. A session cookie that is forged or has ended is refused
 * (401), never ignored. Posted Bundles and write-back through the core API are refused for a
 * session: the first would overwrite another patient's stored report, the second would write
 * with the service's own credentials instead of the user's token (the page's write-back button
 * uses the session's token).
 */
export function createSmartApiGuard(ctx: SmartContext, options: ApiGuardOptions = {}): RequestHandler[] {
  const parseJson = express.json({ limit: '50mb', type: ['application/json', 'application/fhir+json'] });
  const check = async (req: Request, res: Response, next: NextFunction): Promise<void> => {
    if (!hasSessionCookie(ctx, req)) {
      if (options.requireSession) throw new EligoError('ERR_UNAUTHORIZED', 'this API needs a SMART session; launch eligo from the EHR', { where: 'session' });
      next();
      return;
    }
    const session = await sessionOf(ctx, req);
    if (!session) throw new EligoError('ERR_UNAUTHORIZED', 'the SMART session is unknown or has ended; launch eligo again', { where: 'session' });
    const path = guardPath(req.path);
    // A path that does not even decode cannot be checked: refused rather than passed on.
    if (path === undefined) throw new EligoError('ERR_FORBIDDEN', 'the request path cannot be read', { where: 'path' });
    if (COHORT_ROUTE.test(path)) throw new EligoError('ERR_FORBIDDEN', 'a SMART session is for the launched patient; cohort runs are not open to it', { where: 'session' });
    const report = REPORT_ROUTE.exec(path);
    if (report && report[1] !== session.patient.toLowerCase()) {
      throw new EligoError('ERR_FORBIDDEN', 'this session may only read the launched patient', { where: 'patientId' });
    }
    if (req.method === 'POST' && SCREEN_ROUTE.test(path)) {
      const body = (req.body ?? {}) as { patientId?: unknown; bundle?: unknown; writeBack?: unknown };
      if (body.bundle !== undefined || body.patientId !== session.patient) {
        throw new EligoError('ERR_FORBIDDEN', 'this session may only screen the launched patient', { where: 'patientId' });
      }
      if (body.writeBack === true) {
        throw new EligoError('ERR_FORBIDDEN', 'write-back from a SMART session goes through the report page, with the user\'s token', { where: 'writeBack' });
      }
    }
    next();
  };
  // Answers its own refusals: it runs in front of the API router, outside its error handler.
  const guard: RequestHandler = (req, res, next) => {
    check(req, res, next).catch((error: unknown) => {
      const { status, outcome } = errorToOutcome(error);
      if (status >= 500) ctx.log.error({ err: loggableError(error) }, 'API guard failed');
      sendOutcome(res, status, outcome);
    });
  };
  // Only the screen route's body is read here (the guard checks its patient); every other route keeps its own parser and size limit.
  const parseScreenBody: RequestHandler = (req, res, next) => {
    if (req.method === 'POST' && SCREEN_ROUTE.test(guardPath(req.path) ?? '')) parseJson(req, res, next);
    else next();
  };
  return [parseScreenBody, guard];
}
