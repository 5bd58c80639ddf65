import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { EligoError } from '../errors/eligo-error';
import type { AuditLog } from '../audit/types';
import { outcomeOfStatus } from '../audit/types';
import type { SmartContext } from '../smart/context';
import { hasSessionCookie, sessionOf } from '../smart/require-session';
import type { ActiveSession } from '../smart/session';
import type { ApiKeys } from './api-keys';
import { looksLikeApiKey } from './api-keys';
import type { BearerVerifier } from './bearer';
import { isLoopbackAddress } from './config';
import type { Action } from './decide';
import { auditAgentOf, type Principal } from './principal';
import { scopeSet } from './scope-grammar';

export interface AccessDeps {
  bearer: BearerVerifier;
  apiKeys: ApiKeys;
  /** SMART sessions (the app's cookie) are principals too, for their launched patient. */
  smart?: SmartContext;
  /** ELIGO_AUTH=off on a loopback listener. */
  authDisabled: boolean;
  audit?: AuditLog;
  now: () => Date;
}

/** What a route put on the request for the audit trail (see `permit`). */
export interface AccessNote {
  action?: Action;
  route?: string;
  trial?: string;
  patient?: string;
  run?: string;
  reason?: string;
}

const PRINCIPAL = 'eligoPrincipal';
const NOTE = 'eligoAccess';
const REALM = 'Bearer realm="eligo"';

export function principalOf(res: Response): Principal | undefined {
  return res.locals[PRINCIPAL] as Principal | undefined;
}

/** Names the caller of this request (for routes outside /api that authenticate their own way). */
export function notePrincipal(res: Response, principal: Principal): void {
  res.locals[PRINCIPAL] = principal;
}

export function sessionPrincipal(session: ActiveSession): Principal {
  return { kind: 'smart-session', patient: session.patient, iss: session.iss, scopes: scopeSet(session.scope), ...(session.fhirUser ? { fhirUser: session.fhirUser } : {}) };
}

export function accessNote(res: Response): AccessNote {
  let note = res.locals[NOTE] as AccessNote | undefined;
  if (!note) {
    note = {};
    res.locals[NOTE] = note;
  }
  return note;
}

/**
 * Who is calling, before any route runs: an `Authorization: Bearer` credential (an eligo API
 * key, or a JWT access token of a trusted issuer), else the SMART session cookie, else — only
 * with ELIGO_AUTH=off and a peer on loopback — the local principal. Anyone else is 401. A
 * credential that is present but wrong is 401 too, never ignored in favour of another one.
 * Every request through here is audited when it ends, refusals included.
 */
export function authenticate(deps: AccessDeps): RequestHandler {
  const identify = async (req: Request): Promise<Principal> => {
    const authorization = req.headers.authorization;
    if (authorization !== undefined) return fromAuthorization(deps, authorization);
    if (deps.smart && hasSessionCookie(deps.smart, req)) {
      const session = await sessionOf(deps.smart, req);
      if (!session) throw new EligoError('ERR_UNAUTHORIZED', 'the SMART session is unknown or has ended; launch eligo again', { where: 'session' });
      return sessionPrincipal(session);
    }
    if (deps.authDisabled && isLoopbackAddress(req.socket.remoteAddress)) return { kind: 'local' };
    throw new EligoError('ERR_UNAUTHORIZED', 'this API needs credentials: an API key or access token (Authorization: Bearer ...), or a SMART session', { where: 'authorization' });
  };
  const audit = deps.audit ? auditRequests(deps.audit, deps.now) : undefined;
  return (req: Request, res: Response, next: NextFunction) => {
    audit?.(req, res, () => undefined);
    identify(req).then(
      (principal) => {
        notePrincipal(res, principal);
        next();
      },
      (error: unknown) => {
        if (error instanceof EligoError && error.code === 'ERR_UNAUTHORIZED') {
          res.setHeader('WWW-Authenticate', REALM);
          accessNote(res).reason = error.message;
        }
        next(error);
      },
    );
  };
}

async function fromAuthorization(deps: AccessDeps, authorization: string): Promise<Principal> {
  const credential = /^Bearer +([A-Za-z0-9_\-.~+/]+=*) *$/i.exec(authorization)?.[1];
  if (!credential) throw new EligoError('ERR_UNAUTHORIZED', 'the Authorization header must be "Bearer <API key or access token>"', { where: 'authorization' });
  if (looksLikeApiKey(credential)) {
    const key = deps.apiKeys.find(credential);
    if (!key) throw new EligoError('ERR_UNAUTHORIZED', 'the API key is not known to this service (revoked, or from another installation)', { where: 'authorization' });
    return { kind: 'api-key', name: key.name, scopes: scopeSet(key.scopes) };
  }
  if (!deps.bearer.configured) throw new EligoError('ERR_UNAUTHORIZED', 'this service trusts no token issuer (ELIGO_AUTH_ISSUER); use an API key', { where: 'authorization' });
  return deps.bearer.verify(credential);
}

/** Records every request through it in the audit trail when its answer has been sent. */
export function auditRequests(audit: AuditLog, now: () => Date): RequestHandler {
  return (req, res, next) => {
    auditOnFinish(audit, now, req, res);
    next();
  };
}

function auditOnFinish(audit: AuditLog, now: () => Date, req: Request, res: Response): void {
  const started = req.originalUrl.split('?')[0] ?? '';
  res.once('finish', () => {
    const note = accessNote(res);
    audit.record({
      time: now().toISOString(),
      agent: auditAgentOf(principalOf(res)),
      ...(note.action ? { action: note.action } : {}),
      method: req.method,
      // An unmatched path is the caller's text: kept short.
      route: note.route ?? started.slice(0, 200),
      ...(note.trial ? { trial: note.trial } : {}),
      ...(note.patient ? { patient: `Patient/${note.patient}` } : {}),
      ...(note.run ? { run: note.run } : {}),
      status: res.statusCode,
      outcome: outcomeOfStatus(res.statusCode),
      ...(note.reason && res.statusCode >= 400 ? { reason: note.reason } : {}),
    });
  });
}
