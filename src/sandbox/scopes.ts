import { SCREENING_RESOURCE_TYPES } from '../input/resource-types';

/** Resource types the sandbox grants scopes for: what screening reads, and what write-back writes. */
const TYPES = ['*', ...SCREENING_RESOURCE_TYPES, 'ResearchStudy', 'DocumentReference', 'Provenance', 'Encounter', 'Practitioner'];

/** Every SMART v2 permission string (c, r, u, d, s in that order) and the v1 forms. */
function permissions(): string[] {
  const letters = ['c', 'r', 'u', 'd', 's'];
  const out: string[] = ['read', 'write', '*'];
  for (let mask = 1; mask < 1 << letters.length; mask++) out.push(letters.filter((_, i) => mask & (1 << i)).join(''));
  return out;
}

/** The FHIR resource scopes the sandbox knows; requested scopes outside this set are dropped. */
export const SANDBOX_RESOURCE_SCOPES: readonly string[] = ['patient', 'user'].flatMap((context) =>
  TYPES.flatMap((type) => permissions().map((p) => `${context}/${type}.${p}`)),
);

export const SANDBOX_OIDC_SCOPES: readonly string[] = ['openid', 'fhirUser', 'launch', 'launch/patient', 'offline_access', 'online_access'];

/** "patient/Observation.rs" -> can it do `letter` on `type`? v1 read/write/* understood. */
export function scopeAllows(scopes: ReadonlySet<string>, type: string, letter: 'c' | 'r' | 'u' | 'd' | 's'): boolean {
  for (const scope of scopes) {
    const match = /^(patient|user)\/([A-Za-z*]+)\.([a-z*]+)$/.exec(scope);
    if (!match || (match[2] !== type && match[2] !== '*')) continue;
    const perms = match[3] as string;
    if (perms === '*') return true;
    if (perms === 'read' && (letter === 'r' || letter === 's')) return true;
    if (perms === 'write' && (letter === 'c' || letter === 'u' || letter === 'd')) return true;
    if (/^c?r?u?d?s?$/.test(perms) && perms.includes(letter)) return true;
  }
  return false;
}
