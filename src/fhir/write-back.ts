/**
 * Writing a screening back to the FHIR server, idempotently.
 *
 * Where the criterion-by-criterion report goes: a DocumentReference. No implementation guide
 * defines per-criterion eligibility results, so the choice is between three standard shapes.
 * An individual MeasureReport needs a Measure per trial version to point at (R4 requires
 * `measure`), squeezes four statuses (met, not_met, unknown, review) into population counts,
 * and no EHR accepts or shows one. A DiagnosticReport is for results of a diagnostic service
 * and would need an Observation per criterion, filling the chart's results views with
 * screening artefacts that later screenings would read back as data. A DocumentReference is
 * the one write Epic and Oracle document for apps (a clinical note), every server stores it
 * (HAPI, Medplum, Google, Azure), and it carries both forms a reader needs: the JSON report
 * (application/json, the same contract as the API, for programs) and an HTML rendering
 * (text/html, for the clinician). It has a deterministic identifier per (trial, patient) and
 * is updated in place on re-screening, so there is exactly one current report; the server's
 * version history keeps the earlier ones.
 *
 * The rest of the record: the trial as a ResearchStudy (conditional create on the
 * urn:eligo:trial identifier, never overwritten after), the patient's ResearchSubject
 * (status = the outcome, R4's eligible / ineligible / potential-candidate, unless a person has
 * changed it: see subject-status.ts; written with If-Match so a concurrent edit is
 * ERR_WRITE_CONFLICT), and one Provenance per (trial, patient), updated in place too: eligo
 * (a logical Device) as agent, the report and subject as targets, the evidence as sources. R4
 * Provenance has no identifier, so it is found through `_revinclude=Provenance:target` on the
 * report; its version history is the audit trail of every write.
 *
 * Everything goes in one transaction Bundle when the CapabilityStatement offers transactions
 * (all or nothing); otherwise the writes run in dependency order and a failure part-way is
 * completed by the next run. Nothing is written when nothing changed. Writes for the same
 * (server, trial, patient) are serialised in-process: conditional creates race on most servers.
 */
import { EligoError } from '../errors/eligo-error';
import type { TrialFile } from '../mapping/schema';
import type { EligibilityReport } from '../report/types';
import { KeyedSerialiser } from './concurrency';
import type { FhirSource } from './source';
import type { Resource, ResearchSubject } from '@medplum/fhirtypes';
import { renderReportHtml } from './report-html';
import { applyAsTransaction, applyInOrder, PartialWrite, placeholder } from './write-back/apply';
import { displayBaseUrl } from './http/describe-request';
import type { PlannedWrite } from './write-back/apply';
import { readCurrentState } from './write-back/read-current';
import {
  buildProvenance,
  buildReportDocument,
  buildResearchStudy,
  buildResearchSubject,
  evidenceReferences,
  serviceAgent,
} from './write-back/resources';
import { decideStatus } from './write-back/subject-status';
import { identifierQuery, reportIdentifier, screeningKey, screeningTagQuery, subjectIdentifier, trialIdentifier } from './write-back/vocabulary';

export interface WriteBackInput {
  trial: TrialFile;
  report: EligibilityReport;
  /** eligo's version, named in the Provenance agent ("eligo 0.1.0"). */
  serviceVersion: string;
  /** The user the service acts for (SMART fhirUser, e.g. "Practitioner/123"), if any. */
  onBehalfOf?: string;
  /** HTML for the report attachment; the small built-in rendering by default. */
  render?: (report: EligibilityReport, trialTitle: string) => string;
}

export interface WriteBackResult {
  /** "transaction" or "ordered" when something was written; "unchanged" when the server already held this report. */
  mode: 'transaction' | 'ordered' | 'unchanged';
  researchStudy: string;
  /** eligo's ResearchSubject, or the one a person created for this study and patient (left untouched). */
  researchSubject: string;
  /** ResearchSubject.status on the server after the write. */
  subjectStatus: string;
  /** True when the status is a person's and was not overwritten. */
  statusKeptFromPerson: boolean;
  report: string;
  provenance: string;
  /** "Type/id" of every resource this run created, updated or deleted. */
  written: string[];
  warnings: string[];
}

const serialiser = new KeyedSerialiser();

export function writeBack(source: FhirSource, input: WriteBackInput): Promise<WriteBackResult> {
  const { trial, report } = input;
  if (report.trial !== trial.id) {
    throw new EligoError('ERR_ARGUMENT_INVALID', `the report is for trial "${report.trial}", not "${trial.id}"`, { where: 'report.trial' });
  }
  const patientReference = patientReferenceOf(report.patient);
  const key = screeningKey(trial.id, patientReference);
  return serialiser.run(`${source.baseUrl}\n${key}`, () => writeReconciled(source, input, patientReference, key));
}

/** Why a write may have left the server in another state than planned, or undefined when it cannot have. */
function uncertainty(error: unknown): 'partial' | 'conflict' | 'unknown' | undefined {
  if (error instanceof PartialWrite) return 'partial';
  if (error instanceof EligoError && error.code === 'ERR_WRITE_CONFLICT') return 'conflict';
  // Network failures, timeouts and 5xx: the server may have applied the write before failing.
  if (error instanceof EligoError && error.code === 'ERR_FHIR_UNAVAILABLE') return 'unknown';
  return undefined;
}

/**
 * Writes, then makes sure of what happened. After a write that failed in a way that may have
 * changed the server (part of a transaction applied, an answer lost, a version conflict that
 * may be our own retried write) the state is read again and planned again: nothing left to do
 * means the write had been applied; what is left is written once more (a conflict with someone
 * else's edit stays a conflict). After a write that succeeded, one more read removes what a
 * concurrent writer in another process left beside it (duplicate report, subject, Provenance):
 * every writer keeps the same survivor, so they converge on one result per (trial, patient).
 */
async function writeReconciled(source: FhirSource, input: WriteBackInput, patientReference: string, key: string): Promise<WriteBackResult> {
  const attempt = async (): Promise<WriteBackResult> => {
    try {
      return await writeOnce(source, input, patientReference, key);
    } catch (error) {
      const cause = uncertainty(error);
      if (!cause) throw error;
      return repair(source, input, patientReference, key, error, cause);
    }
  };
  const first = await attempt();
  if (first.mode === 'unchanged') return first;
  const check = await attempt();
  if (check.mode === 'unchanged' && check.warnings.length === 0) return first;
  return { ...check, mode: first.mode, written: [...first.written, ...check.written], warnings: [...first.warnings, ...check.warnings] };
}

async function repair(source: FhirSource, input: WriteBackInput, patientReference: string, key: string, error: unknown, cause: 'partial' | 'conflict' | 'unknown'): Promise<WriteBackResult> {
  const what = error instanceof Error ? error.message : String(error);
  let again: WriteBackResult;
  try {
    // A conflict with someone else's edit is theirs to win: re-planned, but not written over.
    again = await writeOnce(source, input, patientReference, key, cause === 'conflict' ? { refuseWrites: error } : {});
  } catch (second) {
    if (second === error) throw error;
    const base = displayBaseUrl(source.baseUrl);
    if (cause === 'partial' || second instanceof PartialWrite) {
      throw new EligoError('ERR_WRITE_INCOMPLETE', `write-back to FHIR server ${base} is incomplete: ${what}; completing it failed too: ${second instanceof Error ? second.message : String(second)}. The next write-back of this patient completes it (every write is idempotent)`, { where: base, cause: second });
    }
    throw new EligoError('ERR_FHIR_UNAVAILABLE', `write-back to FHIR server ${base} may or may not have been applied (${what}); run it again: every write is idempotent`, { where: base, cause: second });
  }
  const warning =
    again.mode === 'unchanged'
      ? `the write-back had been applied although the server's answer said otherwise (${what})`
      : `the server applied the write-back only in part or its answer was lost (${what}); eligo read it back and completed it`;
  return { ...again, warnings: [...again.warnings, warning] };
}

async function writeOnce(source: FhirSource, input: WriteBackInput, patientReference: string, key: string, options: { refuseWrites?: unknown } = {}): Promise<WriteBackResult> {
  const { trial, report, serviceVersion } = input;
  const capabilities = await source.capabilities();
  const current = await readCurrentState(source.http, capabilities, { trialId: trial.id, key, patientReference, concurrency: 4 });
  const now = new Date().toISOString();
  const agent = serviceAgent(serviceVersion);
  const writes: PlannedWrite[] = [];
  const plan = (write: Omit<PlannedWrite, 'fullUrl'>): string => {
    const fullUrl = placeholder();
    writes.push({ ...write, fullUrl });
    return fullUrl;
  };

  const studyRef = current.study?.id
    ? `ResearchStudy/${current.study.id}`
    : plan({ method: 'POST', url: 'ResearchStudy', resource: buildResearchStudy(trial), ifNoneExist: identifierQuery(trialIdentifier(trial.id)) });

  const html = (input.render ?? renderReportHtml)(report, trial.title);
  const document = buildReportDocument({ key, report, html, patientReference, studyReference: studyRef, trialTitle: trial.title, agent, now });
  let reportRef: string;
  if (current.report?.id) {
    reportRef = `DocumentReference/${current.report.id}`;
    const desired = { ...document, id: current.report.id };
    if (!sameContent(current.report, desired, ['date'])) plan({ method: 'PUT', url: reportRef, resource: desired, ...ifMatch(current.report) });
  } else {
    reportRef = plan({ method: 'POST', url: 'DocumentReference', resource: document, ifNoneExist: identifierQuery(reportIdentifier(key)) });
  }

  let subjectRef: string;
  let subjectStatus: string;
  let statusKeptFromPerson: boolean;
  let subjectIsOurs = true;
  if (current.ourSubject?.id || !current.otherSubject?.id) {
    const existing = current.ourSubject;
    const decision = decideStatus(existing, report.outcome);
    const desired: ResearchSubject = buildResearchSubject({ key, patientReference, studyReference: studyRef, reportReference: reportRef, decision, report, ...(existing ? { existing } : {}) });
    subjectStatus = decision.status;
    statusKeptFromPerson = decision.keptFromPerson;
    if (existing?.id) {
      subjectRef = `ResearchSubject/${existing.id}`;
      if (!sameContent(existing, desired, [])) plan({ method: 'PUT', url: subjectRef, resource: { ...desired, id: existing.id }, ...ifMatch(existing) });
    } else {
      subjectRef = plan({ method: 'POST', url: 'ResearchSubject', resource: desired, ifNoneExist: identifierQuery(subjectIdentifier(key)) });
    }
  } else {
    subjectRef = `ResearchSubject/${current.otherSubject.id}`;
    subjectStatus = current.otherSubject.status;
    statusKeptFromPerson = true;
    subjectIsOurs = false;
    current.warnings.push(`${subjectRef} (created by someone else for this study and patient) was left as it is`);
  }

  const [provenance, ...duplicates] = current.provenances;
  let provenanceRef = provenance?.id ? `Provenance/${provenance.id}` : '';
  if (writes.length > 0 || !provenance?.id) {
    const desired = buildProvenance({
      key,
      targets: subjectIsOurs ? [reportRef, subjectRef] : [reportRef],
      evidence: evidenceReferences(report),
      agent,
      ...(input.onBehalfOf === undefined ? {} : { onBehalfOf: input.onBehalfOf }),
      activity: current.report ? 'UPDATE' : 'CREATE',
      now,
    });
    provenanceRef = provenance?.id
      ? (plan({ method: 'PUT', url: provenanceRef, resource: { ...desired, id: provenance.id }, ...ifMatch(provenance) }), provenanceRef)
      : plan({ method: 'POST', url: 'Provenance', resource: desired, ifNoneExist: screeningTagQuery(key) });
  }
  // Left over from older runs or concurrent writers: one current report, subject and Provenance per
  // (trial, patient). A few per run keeps the transaction small (servers cap conditional
  // transactions, @medplum/fhir-router and Medplum at 8 entries); the next run removes the rest.
  const extras = [...current.extraReports, ...current.extraSubjects, ...duplicates].slice(0, 3);
  for (const extra of extras) if (extra.id) plan({ method: 'DELETE', url: `${extra.resourceType}/${extra.id}` });

  if (writes.length > 0 && options.refuseWrites !== undefined) throw options.refuseWrites;
  if (writes.length === 0) {
    return { mode: 'unchanged', researchStudy: studyRef, researchSubject: subjectRef, subjectStatus, statusKeptFromPerson, report: reportRef, provenance: provenanceRef, written: [], warnings: current.warnings };
  }
  const mode = capabilities.transaction ? 'transaction' : 'ordered';
  const keys = mode === 'transaction' ? await applyAsTransaction(source.http, writes) : await applyInOrder(source.http, writes);
  const named = new Map(writes.map((w, i) => [w.fullUrl, keys[i] ?? w.url]));
  const resolve = (ref: string): string => named.get(ref) ?? ref;
  return {
    mode,
    researchStudy: resolve(studyRef),
    researchSubject: resolve(subjectRef),
    subjectStatus,
    statusKeptFromPerson,
    report: resolve(reportRef),
    provenance: resolve(provenanceRef),
    written: keys,
    warnings: current.warnings,
  };
}

function patientReferenceOf(patient: string): string {
  const id = patient.startsWith('Patient/') ? patient.slice('Patient/'.length) : patient;
  if (!/^[A-Za-z0-9\-.]{1,64}$/.test(id)) {
    throw new EligoError('ERR_ARGUMENT_INVALID', 'report.patient is not a Patient reference', { where: 'report.patient' });
  }
  return `Patient/${id}`;
}

/** If-Match with the version read; a server that does not version resources gets none (nothing to compare). */
function ifMatch(resource: Resource): { ifMatch?: string } {
  const version = resource.meta?.versionId;
  return version ? { ifMatch: `W/"${version}"` } : {};
}

/** Same content, ignoring server-kept fields (meta, narrative) and the given volatile ones. */
function sameContent(existing: Resource, desired: Resource, volatile: readonly string[]): boolean {
  const strip = (r: Resource): unknown => {
    const copy: Record<string, unknown> = { ...r };
    for (const field of ['meta', 'text', ...volatile]) delete copy[field];
    return canonical(copy);
  };
  return JSON.stringify(strip(existing)) === JSON.stringify(strip(desired));
}

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.keys(value).sort().map((k) => [k, canonical((value as Record<string, unknown>)[k])]));
  }
  return value;
}
