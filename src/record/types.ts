/**
 * The normalised patient record: what the engine reads. Built from FHIR R4 resources by
 * `normalise.ts`; only data that counts under CONVENTIONS.md ends up in the fact lists,
 * everything set aside is kept in `ignored` or `warnings` with the reason so explanations
 * can mention it.
 */

export interface CodingLite {
  system?: string;
  code?: string;
  display?: string;
}

export interface Concept {
  codings: CodingLite[];
  text?: string;
}

export type Comparator = '<' | '<=' | '>=' | '>';

export type ObservationValue =
  | { kind: 'quantity'; value: number; unit?: string; comparator?: Comparator }
  /**
   * Titers and other ratios: 1:640 is numerator 1, denominator 640. The comparator is the one
   * written before the ratio: ">1:1280" means a titer above 1:1280.
   */
  | { kind: 'ratio'; numerator: number; denominator: number; comparator?: Comparator }
  | { kind: 'coded'; concept: Concept }
  /** A range as sites send it ("11-20 /HPF", "55-60 %", valueRange): some value from low to high. */
  | { kind: 'range'; low: number; high: number; unit?: string }
  /**
   * A qualitative result read from a string or code (Positive, Negative, Detected...).
   * `concept` is the coded value it was read from, when it was coded.
   */
  | { kind: 'qualitative'; positive: boolean; text: string; concept?: Concept }
  | { kind: 'string'; text: string }
  | { kind: 'boolean'; value: boolean };

export interface RangeLite {
  low?: { value: number; unit?: string };
  high?: { value: number; unit?: string };
  text?: string;
}

export interface ObservationFact {
  /** "Observation/<id>"; for a component: "Observation/<id>#component[<n>]" is NOT used, see `componentIndex`. */
  reference: string;
  code: Concept;
  /** Effective date-time (start of a period), ISO 8601 as given. */
  date?: string;
  /** The effective moment in epoch ms (time and zone counted), for choosing the latest result. */
  instant?: number;
  /** `issued` in epoch ms: orders results of the same effective moment. */
  issued?: number;
  status: string;
  value?: ObservationValue;
  /** Why the value that is there cannot be used (wrong type, unreadable): the result is unreadable, not absent. */
  valueProblem?: string;
  referenceRange?: RangeLite;
  /** Normalised v3 ObservationInterpretation codes: H, HH, L, LL, A, AA, N, POS, NEG, IND, DET, ND... */
  interpretation: string[];
  dataAbsentReason?: string;
  /** Set when this fact is a component of a multi-component Observation. */
  componentIndex?: number;
  /**
   * Set when the fact came from a DiagnosticReport's conclusionCode rather than an Observation:
   * `reference` is "DiagnosticReport/<id>", `code` the report's code and `value` the conclusion
   * as `{ kind: 'coded' }`. One fact per conclusionCode.
   */
  fromReport?: boolean;
}

export interface ConditionFact {
  reference: string;
  code: Concept;
  clinicalStatus?: string;
  verificationStatus?: string;
  onset?: string;
  abatement?: string;
  recordedDate?: string;
  /** Active per CONVENTIONS.md: active, recurrence or relapse, or no clinicalStatus and no abatement. */
  active: boolean;
}

export type MedicationSource = 'MedicationStatement' | 'MedicationRequest' | 'MedicationAdministration';

export interface DoseLite {
  value: number;
  unit?: string;
}

export interface MedicationExposure {
  reference: string;
  source: MedicationSource;
  status: string;
  /**
   * The medication's own codes: medicationCodeableConcept, or the code of the resolved
   * Medication (with medicationReference.display as text when nothing else names it).
   */
  concept: Concept;
  /** The resolved Medication's ingredients (itemCodeableConcept, or a referenced Medication's code). */
  ingredientConcepts: Concept[];
  /** Start of the exposure interval (ISO date or date-time); absent when unknown. */
  start?: string;
  /**
   * End of the exposure interval; absent with `ongoing` true means through the as-of date,
   * absent with `ongoing` false means the record does not say when it ended.
   */
  end?: string;
  ongoing: boolean;
  /**
   * A request that allows refills (dispenseRequest.numberOfRepeatsAllowed) may have lasted to
   * here: the latest end the record allows, read by "at most so long" rules only (never by "at
   * least": a refill allowed is not one dispensed).
   */
  endAtMost?: string;
  /**
   * Where the interval comes from (CONVENTIONS.md): effective[x] for statements and
   * administrations; for a request its validityPeriod end, its expectedSupplyDuration, or the
   * assumed 30 days. `unknown` when the resource carries no usable date.
   */
  intervalBasis?: 'effective' | 'validityPeriod' | 'expectedSupplyDuration' | 'assumed30Days' | 'unknown';
  route?: Concept;
  /** Amount per administration as recorded (e.g. 20 mg, 1 tablet). */
  dose?: DoseLite;
  /** Administrations per day when the timing says so. */
  timesPerDay?: number;
  /** Where a Medication reference could not be resolved, the reference string. */
  unresolvedMedication?: string;
}

export interface ImmunizationFact {
  reference: string;
  vaccine: Concept;
  date?: string;
  status: string;
}

export interface ProcedureFact {
  reference: string;
  code: Concept;
  date?: string;
  end?: string;
  status: string;
  /** Procedure.bodySite, where recorded (a radiotherapy code often names no site). */
  bodySites?: Concept[];
}

/**
 * A procedure that is planned, not done: a ServiceRequest that asks for it (intent plan, order,
 * proposal...) or a Procedure in preparation. Kept apart from `procedures`, whose dates are in
 * the past: a planned date after the as-of date is what a plan is, not data from the future.
 */
export interface PlannedProcedureFact {
  reference: string;
  source: 'ServiceRequest' | 'Procedure';
  code: Concept;
  status: string;
  /** ServiceRequest.intent (plan, order, proposal...); absent for a Procedure. */
  intent?: string;
  /** When it is to happen: occurrence[x] (start of a period; first event of a timing), or the Procedure's performed[x]. */
  date?: string;
  authoredOn?: string;
  /**
   * Why the plan is not firm, when it is not: a draft or on-hold request, a proposal, a status
   * the source does not know. A person confirms such a plan; it never decides on its own.
   */
  tentative?: string;
}

/**
 * Why an encounter took place, as the record says it: `reasonCode` (a concept), `reasonReference`
 * or a `diagnosis` (a reference to the Condition, resolved by the engine against the record).
 * A diagnosis that is not the stay's primary one (rank above 1, or one of several unranked) is a
 * secondary reason: the stay was not necessarily for it.
 */
export interface EncounterReason {
  concept?: Concept;
  /** "Condition/<id>" (or another type) for a reference; undefined for reasonCode. */
  reference?: string;
  /** Why a reason that is there could not be read (a reference eligo cannot follow): that stay's reason is unknown. */
  unreadable?: string;
  primary: boolean;
}

export interface EncounterFact {
  reference: string;
  status: string;
  /** Encounter.class (a Coding in R4), as sent. */
  class?: CodingLite;
  types: Concept[];
  reasons: EncounterReason[];
  /** period.start / period.end as written; an encounter with no start is in no window. */
  start?: string;
  end?: string;
  /** "Encounter/<id>" of the encounter this one is part of (a ward stay within an admission). */
  partOf?: string;
}

/** One FamilyMemberHistory record: one relative and what they had. */
export interface FamilyHistoryFact {
  reference: string;
  /** partial, completed or health-unknown (entered-in-error is set aside). */
  status: string;
  relationship: Concept;
  /** The relative's conditions (condition.code), without the "no known family history" statement. */
  conditions: Concept[];
  /** The record states that nothing is known to run in the family (SNOMED CT 160266009). */
  noKnownHistory: boolean;
  /** Why the relative's history is not available (dataAbsentReason: withheld, unable-to-obtain...). */
  dataAbsentReason?: string;
  /** When the history was recorded. */
  date?: string;
}

export interface DiagnosticReportFact {
  reference: string;
  code: Concept;
  date?: string;
  status: string;
  conclusionCodes: Concept[];
  conclusion?: string;
  result: string[];
}

export interface AllergyFact {
  reference: string;
  code: Concept;
  category: string[];
  criticality?: string;
  clinicalStatus?: string;
  verificationStatus?: string;
  recordedDate?: string;
  reactions: { severity?: string; manifestations: Concept[]; substance?: Concept }[];
}

export interface ResearchSubjectFact {
  reference: string;
  status: string;
  studyReference?: string;
  studyIdentifier?: { system?: string; value?: string };
  studyDisplay?: string;
  identifiers: { system?: string; value?: string }[];
  periodStart?: string;
  periodEnd?: string;
}

export interface IgnoredResource {
  reference: string;
  resourceType: string;
  /** Why it does not count, e.g. "status preliminary", "verificationStatus refuted". */
  reason: string;
  concept?: Concept;
}

export interface RecordWarning {
  /** The resource or file concerned, e.g. "Observation/123" or "bundle.json entry[4]". */
  where: string;
  message: string;
}

/**
 * The data kinds screening reads: one per resource type. `any` is for what could not even be
 * typed (an entry without a resourceType): it may have been any of them.
 */
export type DataKind =
  | 'Patient'
  | 'Observation'
  | 'Condition'
  | 'MedicationStatement'
  | 'MedicationRequest'
  | 'MedicationAdministration'
  | 'Medication'
  | 'Immunization'
  | 'Procedure'
  | 'DiagnosticReport'
  | 'AllergyIntolerance'
  | 'ResearchSubject'
  | 'Encounter'
  | 'FamilyMemberHistory'
  | 'ServiceRequest'
  | 'any';

/**
 * Data that is missing from the record though it may exist (CONVENTIONS.md "Real EHR data"):
 * - `unread`: a search not offered or answered with an OperationOutcome, a page or resource
 *   that could not be read, a reference that could not be resolved. With a `concept`, only
 *   criteria about that concept are concerned; without one, every criterion reading the kind.
 * - `conflict`: two versions of one resource (or two Patient records) that disagree: what they
 *   feed needs a person.
 * - `future`: dated after the as-of date (found by the engine, which alone knows that date):
 *   not current data, so an absence it would contradict goes to a person.
 */
export interface DataGap {
  kind: DataKind;
  severity: 'unread' | 'conflict' | 'future';
  /** The resource, search or file concerned. */
  where: string;
  reason: string;
  concept?: Concept;
}

export interface PatientRecord {
  patientId: string;
  patientReference: string;
  birthDate?: string;
  gender?: string;
  deceased?: boolean;
  /** deceasedDateTime, when given. */
  deceasedDate?: string;
  /** Other Patient records of the same person (Patient.link), as "Patient/<id>", with the link type. */
  links: { reference: string; type: string }[];
  /** Linked records whose data is in this record (followed on a server, or present in the same input). */
  linksRead: string[];
  observations: ObservationFact[];
  conditions: ConditionFact[];
  medications: MedicationExposure[];
  immunizations: ImmunizationFact[];
  procedures: ProcedureFact[];
  plannedProcedures: PlannedProcedureFact[];
  encounters: EncounterFact[];
  familyHistory: FamilyHistoryFact[];
  reports: DiagnosticReportFact[];
  allergies: AllergyFact[];
  researchSubjects: ResearchSubjectFact[];
  ignored: IgnoredResource[];
  warnings: RecordWarning[];
  /** What could not be read or disagrees; criteria that depend on it cannot be decided by its absence. */
  gaps: DataGap[];
}

/** A record with no data yet: what normalising starts from (and what tests build on). */
export function blankRecord(patientId: string | undefined): PatientRecord {
  return {
    patientId: patientId ?? '',
    patientReference: patientId === undefined ? '' : `Patient/${patientId}`,
    observations: [],
    conditions: [],
    medications: [],
    immunizations: [],
    procedures: [],
    plannedProcedures: [],
    encounters: [],
    familyHistory: [],
    reports: [],
    allergies: [],
    researchSubjects: [],
    ignored: [],
    warnings: [],
    gaps: [],
    links: [],
    linksRead: [],
  };
}
