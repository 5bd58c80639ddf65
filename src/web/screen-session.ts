import type { Patient } from '@medplum/fhirtypes';
import { createFhirSource, writeBack, type FhirSource, type FhirSourceOptions } from '../fhir';
import type { Catalog, CompiledTrial } from '../mapping/compile';
import type { PatientRecord } from '../record/types';
import type { ReportStore } from '../report/store';
import type { EligibilityReport } from '../report/types';
import type { PatientSource, ReportWriter } from '../usecases/ports';
import type { ScreenOptions } from '../usecases/screen';
import { screenPatientForTrials } from '../usecases/screen-patient';
import type { ActiveSession } from '../smart/session';
import { scopeSet } from '../access/scope-grammar';
import { RULE_READ_TYPES } from '../input/resource-types';
import { scopeAllows } from '../smart/scopes';
import { SERVICE_VERSION } from '../version';

/** The EHR's FHIR server as the session sees it: base URL and the user's access token. */
export interface FhirTarget {
  baseUrl: string;
  bearerToken: string;
}

export interface SessionScreeningDeps {
  catalog: Catalog;
  reports?: ReportStore;
  /** Timeouts and retries for the FHIR client; the base URL and token come from the session. */
  fhirOptions?: Omit<FhirSourceOptions, 'baseUrl' | 'bearerToken'>;
}

export interface SessionScreening {
  results: { trial: CompiledTrial; report: EligibilityReport; written?: string[] }[];
  record: PatientRecord;
  patient?: Patient;
}

/**
 * Screens the launched patient for the given trials through the shared use case, with the
 * session's token. The patient's data is read and normalised once for every trial.
 */
export async function screenSessionPatient(
  deps: SessionScreeningDeps,
  session: ActiveSession,
  trials: readonly CompiledTrial[],
  options: ScreenOptions & { writeBack?: boolean },
): Promise<SessionScreening> {
  const target: FhirTarget = { baseUrl: session.iss, bearerToken: session.accessToken };
  const fhir = createFhirSource({ ...deps.fhirOptions, ...target });
  const notGranted = ungrantedRuleTypes(session.scope);
  const source: PatientSource = { label: fhir.baseUrl, fetchPatientResources: (patientId, scope) => fhir.fetchPatientResources(patientId, { ...scope, notGranted }) };
  const writer = options.writeBack ? sessionWriter(fhir, session) : undefined;
  const screening = await screenPatientForTrials({ source, ...(deps.reports ? { reports: deps.reports } : {}), ...(writer ? { writer } : {}) }, trials, session.patient, options);
  const patient = screening.resources.find((r): r is Patient => r.resourceType === 'Patient');
  return {
    results: screening.results,
    record: screening.record,
    ...(patient ? { patient } : {}),
  };
}

/**
 * The rule-read types (stays, family history, plans) the launch did not grant. They were added
 * after apps were registered, and an EHR drops the scopes a registration does not list: their
 * absence makes what depends on them unknown instead of failing the screening on a 403. (The
 * core types are searched as before.)
 */
function ungrantedRuleTypes(granted: string): string[] {
  const scopes = scopeSet(granted);
  return RULE_READ_TYPES.filter((type) => !scopeAllows(scopes, type, 'r') || !scopeAllows(scopes, type, 's'));
}

/** Write-back with the user's token, naming the user (fhirUser) in the Provenance. */
function sessionWriter(fhir: FhirSource, session: ActiveSession): ReportWriter {
  return {
    writeReport: async (trial, report) => {
      const result = await writeBack(fhir, { trial: trial.def, report, serviceVersion: SERVICE_VERSION, ...(session.fhirUser ? { onBehalfOf: session.fhirUser } : {}) });
      return { written: result.written };
    },
  };
}
