/**
 * Who is calling, once authenticated. Every kind says what it may reach: a SMART session its
 * launched patient, a service credential what its scopes grant, the local no-auth mode of a
 * loopback listener everything.
 */
export type Principal =
  | {
      kind: 'smart-session';
      /** The launched patient (a FHIR id): the only one this caller may reach. */
      patient: string;
      fhirUser?: string;
      /** The EHR's FHIR base URL the session was launched from. */
      iss: string;
      scopes: ReadonlySet<string>;
    }
  | {
      kind: 'bearer';
      issuer: string;
      subject: string;
      clientId?: string;
      scopes: ReadonlySet<string>;
    }
  | { kind: 'api-key'; name: string; scopes: ReadonlySet<string> }
  /** An EHR calling CDS Hooks with its signed JWT: it reaches only /cds-services. */
  | { kind: 'cds-client'; issuer: string }
  | { kind: 'local' };

/** How a caller is named in the audit trail: never a token, never a person's name beyond the FHIR reference. */
export interface AuditAgent {
  kind: Principal['kind'] | 'anonymous';
  /** fhirUser, token subject, key name, or "local". */
  who: string;
  clientId?: string;
  issuer?: string;
}

export function auditAgentOf(principal: Principal | undefined): AuditAgent {
  if (!principal) return { kind: 'anonymous', who: 'anonymous' };
  switch (principal.kind) {
    case 'smart-session':
      return { kind: principal.kind, who: principal.fhirUser ?? `session for Patient/${principal.patient}`, issuer: principal.iss };
    case 'bearer':
      return { kind: principal.kind, who: principal.subject, issuer: principal.issuer, ...(principal.clientId ? { clientId: principal.clientId } : {}) };
    case 'api-key':
      return { kind: principal.kind, who: principal.name };
    case 'cds-client':
      return { kind: principal.kind, who: principal.issuer, issuer: principal.issuer };
    case 'local':
      return { kind: principal.kind, who: 'local' };
  }
}


/** One caller, for per-caller limits: the same key however many requests it sends. */
export function callerKey(principal: Principal | undefined): string {
  const agent = auditAgentOf(principal);
  return `${agent.kind}:${agent.issuer ?? ''}:${agent.who}`;
}
