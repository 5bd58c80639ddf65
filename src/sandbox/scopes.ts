import { SCREENING_RESOURCE_TYPES } from '../input/resource-types';

/** Resource types the sandbox grants scopes for: what screening reads, and what write-back writes. */
const TYPES = [...new Set(['*', ...SCREENING_RESOURCE_TYPES, 'ResearchStudy', 'DocumentReference', 'Provenance', 'Encounter', 'Practitioner'])];

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
