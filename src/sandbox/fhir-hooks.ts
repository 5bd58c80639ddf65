import { randomBytes } from 'node:crypto';
import type { Request, RequestHandler, Response } from 'express';
import { decide, type PatientOf, type TokenGrant } from './fhir-access';
import { sameSecret } from '../smart/cookies';

/** How the sandbox answers "what does this token grant?"; undefined for unknown or expired tokens. */
export type TokenLookup = (token: string) => Promise<TokenGrant | undefined>;

export interface SandboxFhirHooksOptions {
  /** Check bearer tokens on every FHIR call (like a real EHR). Off: the server stays open, as the CLI and API expect. */
  protect?: boolean;
  /** Lets patient tokens read compartment resources by id. */
  patientOf?: PatientOf;
}

/**
 * What the sandbox adds to the embedded FHIR server, passed as
 * `createFhirServer({ middleware: [hooks.middleware] })` before the sandbox starts:
 * `{base}/.well-known/smart-configuration`, and (with `protect`) bearer-token checks that hold
 * a patient token to its patient's compartment. Until the sandbox is attached, protected calls
 * are refused (fail closed).
 */
export class SandboxFhirHooks {
  readonly middleware: RequestHandler;
  /** Lets the sandbox's own pages list patients through a protected server. Never leaves the process. */
  readonly internalToken = randomBytes(32).toString('base64url');
  private configuration: Record<string, unknown> | undefined;
  private lookup: TokenLookup | undefined;

  constructor(private readonly options: SandboxFhirHooksOptions = {}) {
    this.middleware = (req, res, next) => {
      this.handle(req, res).then(
        (handled) => {
          if (!handled) next();
        },
        (error: unknown) => next(error),
      );
    };
  }

  attach(configuration: Record<string, unknown>, lookup: TokenLookup): void {
    this.configuration = configuration;
    this.lookup = lookup;
  }

  /** True when the request was answered here. */
  private async handle(req: Request, res: Response): Promise<boolean> {
    if (req.path === '/.well-known/smart-configuration') {
      if (!this.configuration) {
        res.status(503).json({ error: 'the sandbox authorization server is not running' });
      } else {
        res.set('Cache-Control', 'no-store').json(this.configuration);
      }
      return true;
    }
    if (!this.options.protect || req.path === '/metadata') return false;
    const token = /^Bearer ([\x21-\x7e]+)$/.exec(req.get('authorization') ?? '')?.[1];
    if (token !== undefined && req.method === 'GET' && sameSecret(token, this.internalToken)) return false;
    const grant = token !== undefined && this.lookup ? await this.lookup(token) : undefined;
    if (!grant) {
      res.status(401).set('WWW-Authenticate', 'Bearer error="invalid_token"').type('application/fhir+json');
      res.send(JSON.stringify(outcome('login', token === undefined ? 'a bearer token is required' : 'the access token is unknown or expired')));
      return true;
    }
    const url = req.originalUrl.slice(req.baseUrl.length);
    const decision = await decide({ method: req.method, url, body: req.body as unknown }, grant, this.options.patientOf);
    if (decision.refused !== undefined) {
      res.status(403).type('application/fhir+json').send(JSON.stringify(outcome('forbidden', decision.refused)));
      return true;
    }
    if (decision.url !== url) {
      // The embedded server reads the query from originalUrl; narrowing rewrites both.
      req.originalUrl = `${req.baseUrl}${decision.url.startsWith('/') ? '' : '/'}${decision.url}`;
      req.url = decision.url.startsWith('/') ? decision.url : `/${decision.url}`;
    }
    return false;
  }
}

function outcome(code: string, diagnostics: string): Record<string, unknown> {
  return { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code, diagnostics }] };
}
