import express, { type Request, type RequestHandler, type Response, type Router } from 'express';
import { EligoError } from '../errors/eligo-error';
import { STRICT_ROUTING } from '../http/routing';
import { accessNote, principalOf } from './authenticate';
import { decide, type Action, type Target } from './decide';

/** What a request asks to do: the action, and whom or what it reaches. */
export interface AccessRequest extends Target {
  action: Action;
  run?: string;
}

export interface SecureRoute {
  method: 'get' | 'post' | 'delete';
  path: string;
  /** The action, or how to read it from the request (after its body is parsed and checked). */
  access: Action | ((req: Request) => AccessRequest | AccessRequest[]);
  /** A JSON body, parsed up to this many bytes for this route only (none otherwise). */
  bodyLimit?: number;
  handler: (req: Request, res: Response) => unknown;
}

/** JSON and FHIR JSON, UTF-8 only (body-parser answers any other charset with 415). */
const JSON_TYPES = ['application/json', 'application/fhir+json'];

/**
 * A router whose every route names its action: there is no other way to add one, so a route
 * without an access decision cannot exist (default deny). The decision is taken on the route
 * Express actually matched, after `authenticate` has named the principal; a denial is 403 and
 * audited with its reason.
 */
export function secureRouter(routes: readonly SecureRoute[]): Router {
  const router = express.Router(STRICT_ROUTING);
  for (const route of routes) {
    const handlers: RequestHandler[] = [];
    if (route.bodyLimit !== undefined) handlers.push(express.json({ limit: route.bodyLimit, type: JSON_TYPES }));
    handlers.push(permit(route), async (req, res) => {
      await route.handler(req, res);
    });
    router[route.method](route.path, ...handlers);
  }
  return router;
}

function permit(route: SecureRoute): RequestHandler {
  return (req, res, next) => {
    const note = accessNote(res);
    note.route = `${req.baseUrl}${route.path}`;
    const trial = req.params.trialId;
    if (typeof trial === 'string') note.trial = trial;
    const principal = principalOf(res);
    // Fails closed: a router mounted without `authenticate` in front serves nobody.
    if (!principal) throw new EligoError('ERR_UNAUTHORIZED', 'no credentials were checked for this route', { where: 'authorization' });
    const asked = typeof route.access === 'string' ? [{ action: route.access }] : [route.access(req)].flat();
    for (const request of asked) {
      note.action = request.action;
      if (request.patient !== undefined) note.patient = request.patient;
      if (request.run !== undefined) note.run = request.run;
      const decision = decide(principal, request.action, request);
      if (!decision.allowed) {
        note.reason = decision.reason;
        throw new EligoError('ERR_FORBIDDEN', decision.reason, { where: 'authorization' });
      }
    }
    next();
  };
}
