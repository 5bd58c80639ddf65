import { SCREENING_RESOURCE_TYPES } from '../input/resource-types';
import type { Principal } from './principal';
import { scopeAllows } from './scope-grammar';

/** What a route does, as the access decision sees it. */
export type Action =
  /** The trial catalog: no patient data. */
  | 'trials.read'
  /** Screen a patient of the FHIR server (reads their record). */
  | 'patient.screen'
  /** Screen and write the report back to the FHIR server with the service's credentials. */
  | 'patient.write-back'
  /** Read a stored report of a patient. */
  | 'report.read'
  /** Screen a Bundle the caller posts: the caller's own data, nothing of the server's is read or stored. */
  | 'bundle.screen'
  /** List cohort runs, their progress and summaries. */
  | 'population.read'
  /** Start, resume or cancel a cohort run over the population. */
  | 'population.run';

/** eligo's own scopes, beside SMART's `system/<type>.rs` read scopes. */
export const POPULATION_SCOPE = 'eligo/population';
export const WRITE_BACK_SCOPE = 'eligo/write-back';
/** Every scope a service credential can hold; the demo credential holds all of them. */
export const ALL_SERVICE_SCOPES: readonly string[] = ['system/*.rs', POPULATION_SCOPE, WRITE_BACK_SCOPE];

export interface Target {
  /** The FHIR id of the patient the route reaches, when it reaches one. */
  patient?: string;
}

export type Decision = { allowed: true } | { allowed: false; reason: string };

const ALLOW: Decision = { allowed: true };
const deny = (reason: string): Decision => ({ allowed: false, reason });

/** Screening reads every screened type: a read scope must cover each of them (or `*`). */
function readsRecords(scopes: ReadonlySet<string>): boolean {
  return SCREENING_RESOURCE_TYPES.every((type) => scopeAllows(scopes, type, 'r', ['system', 'user']) && scopeAllows(scopes, type, 's', ['system', 'user']));
}

/**
 * The one authorisation decision: may this principal do this action on this target? Pure, so
 * every route and every test asks the same function. Anything not granted here is denied.
 */
export function decide(principal: Principal, action: Action, target: Target = {}): Decision {
  switch (principal.kind) {
    case 'local':
      return ALLOW;
    case 'smart-session':
      return decideForSession(principal, action, target);
    case 'bearer':
    case 'api-key':
      return decideForService(principal.scopes, action);
    case 'cds-client':
      // Its JWT is for CDS Hooks; the API is not open to it.
      return deny('a CDS client reaches only /cds-services');
  }
}

function decideForSession(session: Extract<Principal, { kind: 'smart-session' }>, action: Action, target: Target): Decision {
  switch (action) {
    case 'trials.read':
      return ALLOW;
    case 'patient.screen':
    case 'report.read':
      // FHIR ids are case-sensitive: "abc" and "ABC" are two patients.
      return target.patient === session.patient ? ALLOW : deny('a SMART session may only reach the launched patient');
    case 'patient.write-back':
      return deny("write-back from a SMART session goes through the report page, with the user's own token");
    case 'bundle.screen':
      return deny('a SMART session screens the launched patient from the EHR, not posted data');
    case 'population.read':
    case 'population.run':
      return deny('a SMART session is for the launched patient; cohort runs are not open to it');
  }
}

function decideForService(scopes: ReadonlySet<string>, action: Action): Decision {
  switch (action) {
    case 'trials.read':
    case 'bundle.screen':
      return ALLOW;
    case 'patient.screen':
    case 'report.read':
      return readsRecords(scopes) ? ALLOW : deny('needs read scopes for the screened types, e.g. system/*.rs');
    case 'patient.write-back':
      if (!readsRecords(scopes)) return deny('needs read scopes for the screened types, e.g. system/*.rs');
      return scopes.has(WRITE_BACK_SCOPE) ? ALLOW : deny(`needs the ${WRITE_BACK_SCOPE} scope`);
    case 'population.read':
    case 'population.run':
      return scopes.has(POPULATION_SCOPE) ? ALLOW : deny(`needs the ${POPULATION_SCOPE} scope`);
  }
}
