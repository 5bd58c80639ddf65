import { parseFhirDateTime } from './fhir-date';
import { concept, list, obj } from './read';
import type { Concept } from './types';

/**
 * The fields every reader of a resource type relies on, checked once before the reader runs
 * (CONVENTIONS.md "Real EHR data": unreadable is not absent). A resource that fails here is not
 * read at all: it becomes a gap in the record, so the criteria that would have read it say
 * `unknown` instead of deciding on its absence.
 */
interface Shape {
  /** Where the resource's own code is; its concept scopes the gap to the criteria about it. */
  codeField?: string;
  /** The status element and the FHIR R4 code list it is bound to (required binding: case-sensitive). */
  status?: { field: string; codes: ReadonlySet<string>; required: boolean; coded?: boolean };
  /** More `code` elements with required bindings (ServiceRequest.intent). */
  codeFields?: { field: string; codes: ReadonlySet<string> }[];
  /** More status-like CodeableConcepts with required bindings. */
  codedStatuses?: { field: string; codes: ReadonlySet<string> }[];
  /** Coding elements (Encounter.class): an object of string system, code and display, or the resource is unreadable. */
  codings?: string[];
  /** CodeableConcept elements besides the code (FamilyMemberHistory.relationship). */
  concepts?: string[];
  /** Date, dateTime and instant elements, as paths ("effectivePeriod.start"). */
  dates: string[];
  /** Elements without which nothing can be said of the resource: each inner list needs one of its fields. */
  required?: string[][];
}

const MEDICATION = ['medicationCodeableConcept', 'medicationReference'];

const codes = (...values: string[]): ReadonlySet<string> => new Set(values);

const OBSERVATION_STATUS = codes('registered', 'preliminary', 'final', 'amended', 'corrected', 'cancelled', 'entered-in-error', 'unknown');
const REPORT_STATUS = codes('registered', 'partial', 'preliminary', 'final', 'amended', 'corrected', 'appended', 'cancelled', 'entered-in-error', 'unknown');

const SHAPES: Readonly<Record<string, Shape>> = {
  Observation: {
    codeField: 'code',
    status: { field: 'status', codes: OBSERVATION_STATUS, required: true },
    required: [['code']],
    dates: ['effectiveDateTime', 'effectiveInstant', 'effectivePeriod.start', 'effectivePeriod.end', 'issued'],
  },
  DiagnosticReport: {
    codeField: 'code',
    status: { field: 'status', codes: REPORT_STATUS, required: true },
    required: [['code']],
    dates: ['effectiveDateTime', 'effectivePeriod.start', 'effectivePeriod.end', 'issued'],
  },
  Condition: {
    codeField: 'code',
    codedStatuses: [
      { field: 'clinicalStatus', codes: codes('active', 'recurrence', 'relapse', 'inactive', 'remission', 'resolved') },
      { field: 'verificationStatus', codes: codes('unconfirmed', 'provisional', 'differential', 'confirmed', 'refuted', 'entered-in-error') },
    ],
    required: [['code']],
    dates: ['onsetDateTime', 'onsetPeriod.start', 'onsetPeriod.end', 'abatementDateTime', 'abatementPeriod.start', 'abatementPeriod.end', 'recordedDate'],
  },
  MedicationStatement: {
    codeField: 'medicationCodeableConcept',
    status: { field: 'status', codes: codes('active', 'completed', 'entered-in-error', 'intended', 'stopped', 'on-hold', 'unknown', 'not-taken'), required: true },
    required: [MEDICATION],
    dates: ['effectiveDateTime', 'effectivePeriod.start', 'effectivePeriod.end', 'dateAsserted'],
  },
  MedicationRequest: {
    codeField: 'medicationCodeableConcept',
    status: { field: 'status', codes: codes('active', 'on-hold', 'cancelled', 'completed', 'entered-in-error', 'stopped', 'draft', 'unknown'), required: true },
    required: [MEDICATION],
    dates: ['authoredOn', 'dispenseRequest.validityPeriod.start', 'dispenseRequest.validityPeriod.end'],
  },
  MedicationAdministration: {
    codeField: 'medicationCodeableConcept',
    status: { field: 'status', codes: codes('in-progress', 'not-done', 'on-hold', 'completed', 'entered-in-error', 'stopped', 'unknown'), required: true },
    required: [MEDICATION],
    dates: ['effectiveDateTime', 'effectivePeriod.start', 'effectivePeriod.end'],
  },
  Immunization: {
    codeField: 'vaccineCode',
    status: { field: 'status', codes: codes('completed', 'entered-in-error', 'not-done'), required: true },
    required: [['vaccineCode'], ['occurrenceDateTime']],
    dates: ['occurrenceDateTime', 'recorded'],
  },
  Procedure: {
    codeField: 'code',
    status: { field: 'status', codes: codes('preparation', 'in-progress', 'not-done', 'on-hold', 'stopped', 'completed', 'entered-in-error', 'unknown'), required: true },
    required: [['code']],
    dates: ['performedDateTime', 'performedPeriod.start', 'performedPeriod.end'],
  },
  AllergyIntolerance: {
    codeField: 'code',
    codedStatuses: [
      { field: 'clinicalStatus', codes: codes('active', 'inactive', 'resolved') },
      { field: 'verificationStatus', codes: codes('unconfirmed', 'confirmed', 'refuted', 'entered-in-error') },
    ],
    dates: ['onsetDateTime', 'recordedDate', 'lastOccurrence'],
  },
  ResearchSubject: {
    status: {
      field: 'status',
      codes: codes(
        'candidate', 'eligible', 'follow-up', 'ineligible', 'not-registered', 'off-study', 'on-study', 'on-study-intervention',
        'on-study-observation', 'pending-on-study', 'potential-candidate', 'screening', 'withdrawn',
      ),
      required: true,
    },
    dates: ['period.start', 'period.end'],
  },
  Medication: { codeField: 'code', dates: [] },
  Encounter: {
    status: { field: 'status', codes: codes('planned', 'arrived', 'triaged', 'in-progress', 'onleave', 'finished', 'cancelled', 'entered-in-error', 'unknown'), required: true },
    codings: ['class'],
    dates: ['period.start', 'period.end'],
  },
  FamilyMemberHistory: {
    status: { field: 'status', codes: codes('partial', 'completed', 'entered-in-error', 'health-unknown'), required: true },
    required: [['relationship']],
    concepts: ['relationship', 'dataAbsentReason'],
    dates: ['date'],
  },
  ServiceRequest: {
    codeField: 'code',
    status: { field: 'status', codes: codes('draft', 'active', 'on-hold', 'revoked', 'completed', 'entered-in-error', 'unknown'), required: true },
    codeFields: [{ field: 'intent', codes: codes('proposal', 'plan', 'directive', 'order', 'original-order', 'reflex-order', 'filler-order', 'instance-order', 'option') }],
    required: [['code'], ['intent']],
    dates: ['occurrenceDateTime', 'occurrencePeriod.start', 'occurrencePeriod.end', 'authoredOn'],
  },
};

export type Readability = { ok: true } | { ok: false; reason: string; concept?: Concept };

/** A date path split once: the Period holding it ("effectivePeriod"), if any, and the element. */
interface DatePath {
  path: string;
  holder?: { path: string; steps: readonly string[] };
  field: string;
}

const datePaths = new Map<string, DatePath[]>();

function datePathsOf(type: string, shape: Shape): DatePath[] {
  let paths = datePaths.get(type);
  if (!paths) {
    paths = shape.dates.map((path) => {
      const dot = path.lastIndexOf('.');
      if (dot < 0) return { path, field: path };
      const holder = path.slice(0, dot);
      return { path, holder: { path: holder, steps: holder.split('.') }, field: path.slice(dot + 1) };
    });
    datePaths.set(type, paths);
  }
  return paths;
}

function at(resource: Record<string, unknown>, steps: readonly string[]): unknown {
  let value: unknown = resource;
  for (const step of steps) {
    const holder = obj(value);
    if (!holder) return undefined;
    value = holder[step];
  }
  return value;
}

function isCodeableConcept(value: unknown): boolean {
  const cc = obj(value);
  if (!cc) return false;
  if (cc.coding !== undefined && !Array.isArray(cc.coding)) return false;
  if (cc.text !== undefined && typeof cc.text !== 'string') return false;
  for (const item of list(cc.coding)) {
    const coding = obj(item);
    if (!coding) return false;
    for (const key of ['system', 'code', 'display'] as const) {
      if (coding[key] !== undefined && typeof coding[key] !== 'string') return false;
    }
  }
  return true;
}

function isCoding(value: unknown): boolean {
  const coding = obj(value);
  if (!coding) return false;
  return (['system', 'code', 'display'] as const).every((key) => coding[key] === undefined || typeof coding[key] === 'string');
}

/** Whether the reader may use the resource, and if not why (with its concept, where readable). */
export function checkReadable(type: string, resource: Record<string, unknown>): Readability {
  const shape = SHAPES[type];
  if (!shape) return { ok: true };
  const code = shape.codeField === undefined ? undefined : resource[shape.codeField];
  const fail = (reason: string): Readability => {
    // Read only for a resource that fails: most pass, and their concept is read by their reader.
    const codeConcept = code !== undefined && isCodeableConcept(code) ? concept(code) : undefined;
    return codeConcept ? { ok: false, reason, concept: codeConcept } : { ok: false, reason };
  };
  if (shape.codeField !== undefined && code !== undefined && !isCodeableConcept(code)) {
    return fail(`${shape.codeField} is not a CodeableConcept`);
  }
  for (const anyOf of shape.required ?? []) {
    if (anyOf.every((field) => resource[field] === undefined)) return fail(`it has no ${anyOf.join(' or ')}`);
  }
  if (shape.status) {
    const { field, codes: allowed, required } = shape.status;
    const status = resource[field];
    if (status === undefined) {
      if (required) return fail(`it has no ${field}`);
    } else if (typeof status !== 'string' || !allowed.has(status)) {
      // Required bindings are case-sensitive: "Final" is not "final".
      return fail(`${field} "${String(status)}" is not a FHIR ${type} status code`);
    }
  }
  for (const { field, codes: allowed } of shape.codeFields ?? []) {
    const value = resource[field];
    if (value !== undefined && (typeof value !== 'string' || !allowed.has(value))) return fail(`${field} "${String(value)}" is not a FHIR ${type} ${field} code`);
  }
  for (const field of shape.codings ?? []) {
    const value = resource[field];
    if (value !== undefined && !isCoding(value)) return fail(`${field} is not a Coding`);
  }
  for (const field of shape.concepts ?? []) {
    const value = resource[field];
    if (value !== undefined && !isCodeableConcept(value)) return fail(`${field} is not a CodeableConcept`);
  }
  for (const { field, codes: allowed } of shape.codedStatuses ?? []) {
    const value = resource[field];
    if (value === undefined) continue;
    if (!isCodeableConcept(value)) return fail(`${field} is not a CodeableConcept`);
    const statusCodes = list(obj(value)?.coding).map((c) => obj(c)?.code).filter((c): c is string => typeof c === 'string');
    const unknown = statusCodes.find((c) => !allowed.has(c));
    if (unknown !== undefined) return fail(`${field} "${unknown}" is not a FHIR ${type} ${field} code`);
  }
  for (const { path, holder: holderPath, field } of datePathsOf(type, shape)) {
    const holder = holderPath ? at(resource, holderPath.steps) : resource;
    if (holder !== undefined && !obj(holder)) return fail(`${holderPath?.path ?? ''} is not a Period`);
    const value = obj(holder)?.[field];
    if (value === undefined) continue;
    if (typeof value !== 'string' || parseFhirDateTime(value) === undefined) {
      return fail(`${path} "${String(value)}" is not a valid FHIR date`);
    }
  }
  return { ok: true };
}
