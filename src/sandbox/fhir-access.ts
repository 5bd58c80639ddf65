import { scopeAllows } from '../smart/scopes';

/** What an access token grants, as the sandbox's FHIR server checks it. */
export interface TokenGrant {
  patient?: string;
  scopes: ReadonlySet<string>;
}

/** Finds the patient a stored resource belongs to ("Patient/x" -> "x"), for reads by id. */
export type PatientOf = (resourceType: string, id: string) => Promise<string | undefined>;

/** Types in the patient compartment, with the search parameters that name the patient. */
const COMPARTMENT: Record<string, readonly string[]> = {
  Observation: ['patient', 'subject'],
  Condition: ['patient', 'subject'],
  MedicationStatement: ['patient', 'subject'],
  MedicationRequest: ['patient', 'subject'],
  MedicationAdministration: ['patient', 'subject'],
  Immunization: ['patient'],
  Procedure: ['patient', 'subject'],
  DiagnosticReport: ['patient', 'subject'],
  AllergyIntolerance: ['patient'],
  ResearchSubject: ['individual', 'patient'],
  DocumentReference: ['patient', 'subject'],
  Encounter: ['patient', 'subject'],
  FamilyMemberHistory: ['patient'],
  ServiceRequest: ['patient', 'subject'],
};

/** Fields of a resource body that name its patient. */
const PATIENT_FIELDS = ['subject', 'patient', 'individual'];

export interface FhirCall {
  method: string;
  /** Relative to the FHIR base: "Patient/1", "Observation?patient=1", "" for a Bundle. */
  url: string;
  body?: unknown;
}

export type Decision = { refused: string } | { refused?: undefined; url: string };

/**
 * Whether a call is allowed under a token. Patient-level tokens reach only their patient:
 * a search that names a patient must name theirs, one that names none is narrowed to their
 * compartment (as servers that filter by compartment do), reads and writes must belong to them,
 * and the scope must carry the permission letter. Unknown shapes are refused (fail closed).
 * Batch and transaction entries are checked (and narrowed) one by one, in place.
 */
export async function decide(call: FhirCall, grant: TokenGrant, patientOf: PatientOf | undefined): Promise<Decision> {
  const narrowed = { url: call.url };
  const why = await refusal(call, grant, patientOf, narrowed);
  return why === undefined ? { url: narrowed.url } : { refused: why };
}

async function refusal(call: FhirCall, grant: TokenGrant, patientOf: PatientOf | undefined, narrowed: { url: string }): Promise<string | undefined> {
  const [path = '', query = ''] = call.url.replace(/^\/+/, '').split('?');
  const segments = path.split('/').filter(Boolean);
  if (segments.length === 0 && call.method === 'POST') return bundleRefusal(call.body, grant, patientOf);
  const [type, id, extra] = segments;
  if (!type || !/^[A-Z][A-Za-z]+$/.test(type)) return 'unsupported path';
  if (type === 'metadata') return undefined;
  const isSearch = (call.method === 'GET' && id === undefined) || (call.method === 'POST' && id === '_search');
  if (extra !== undefined && extra !== '_history') return 'unsupported path';
  const letter = isSearch ? 's' : call.method === 'GET' ? 'r' : call.method === 'POST' ? 'c' : call.method === 'PUT' ? 'u' : call.method === 'DELETE' ? 'd' : undefined;
  if (!letter) return 'unsupported method';
  if (!scopeAllows(grant.scopes, type, letter)) return `no scope for ${type} (${letter})`;
  if (grant.patient === undefined) return undefined;
  const patient = grant.patient;
  const params = new URLSearchParams(query);
  if (isSearch) {
    if (call.method === 'POST') return 'search by POST is not supported by the sandbox';
    if (type === 'Patient') return params.getAll('_id').every((v) => v === patient) && params.has('_id') ? undefined : 'Patient search must be _id=<the patient>';
    const names = COMPARTMENT[type];
    if (!names) return undefined;
    const named = names.flatMap((n) => params.getAll(n));
    if (named.length === 0) {
      params.append(names[0] as string, patient);
      narrowed.url = `${path}?${params.toString()}`;
      return undefined;
    }
    return named.every((v) => idOf(v) === patient) ? undefined : `${type} search must name the launched patient`;
  }
  if (type === 'Patient') return id === patient && letter === 'r' ? undefined : 'only the launched patient can be read';
  if (!COMPARTMENT[type]) return undefined;
  if (letter === 'c' || letter === 'u') {
    const owner = ownerOf(call.body);
    if (owner !== patient) return `${type} written must belong to the launched patient`;
    if (letter === 'c' || id === undefined) return undefined;
  }
  if (id === undefined) return `${type} ${call.method} needs an id`;
  const stored = patientOf ? await patientOf(type, id) : undefined;
  // An update may create (R4 update-as-create): nothing stored yet is fine when the body belongs.
  if (stored === undefined && letter === 'u') return undefined;
  return stored === patient ? undefined : `${type}/${id} is not the launched patient's`;
}

async function bundleRefusal(body: unknown, grant: TokenGrant, patientOf: PatientOf | undefined): Promise<string | undefined> {
  const bundle = body as { resourceType?: unknown; type?: unknown; entry?: { request?: { method?: unknown; url?: unknown }; resource?: unknown }[] } | undefined;
  if (bundle?.resourceType !== 'Bundle' || (bundle.type !== 'batch' && bundle.type !== 'transaction')) return 'only batch and transaction Bundles are accepted at the base';
  for (const [i, entry] of (bundle.entry ?? []).entries()) {
    const method = entry.request?.method;
    const url = entry.request?.url;
    if (typeof method !== 'string' || typeof url !== 'string') return `entry[${i}] has no request`;
    const decision = await decide({ method, url, body: entry.resource }, grant, patientOf);
    if (decision.refused !== undefined) return `entry[${i}]: ${decision.refused}`;
    (entry.request as { url: string }).url = decision.url;
  }
  return undefined;
}

function ownerOf(resource: unknown): string | undefined {
  if (resource === null || typeof resource !== 'object') return undefined;
  for (const field of PATIENT_FIELDS) {
    const ref = (resource as Record<string, { reference?: unknown } | undefined>)[field]?.reference;
    if (typeof ref === 'string') return idOf(ref);
  }
  return undefined;
}

/** "x", "Patient/x" and "http://host/fhir/Patient/x" all name patient x; anything else names none. */
export function idOf(reference: string): string | undefined {
  const match = /^(?:.*\/)?Patient\/([A-Za-z0-9\-.]{1,64})$/.exec(reference) ?? /^([A-Za-z0-9\-.]{1,64})$/.exec(reference);
  return match?.[1];
}
