/**
 * Short names for code systems so mapping files stay readable. A mapping may also use the
 * full canonical URI; anything that is not an alias is taken as a URI as written.
 */
export const SYSTEM_ALIASES: Readonly<Record<string, string>> = {
  loinc: 'http://loinc.org',
  snomed: 'http://snomed.info/sct',
  icd10cm: 'http://hl7.org/fhir/sid/icd-10-cm',
  icd10: 'http://hl7.org/fhir/sid/icd-10',
  icd10pcs: 'http://www.cms.gov/Medicare/Coding/ICD10',
  rxnorm: 'http://www.nlm.nih.gov/research/umls/rxnorm',
  atc: 'http://www.whocc.no/atc',
  cvx: 'http://hl7.org/fhir/sid/cvx',
  cpt: 'http://www.ama-assn.org/go/cpt',
  orphanet: 'http://www.orpha.net',
  ucum: 'http://unitsofmeasure.org',
  ndc: 'http://hl7.org/fhir/sid/ndc',
};

/** Other URIs seen in the wild for the same systems, folded onto the canonical one. */
const SYSTEM_SYNONYMS: Readonly<Record<string, string>> = {
  'urn:oid:2.16.840.1.113883.6.1': 'http://loinc.org',
  'urn:oid:2.16.840.1.113883.6.96': 'http://snomed.info/sct',
  'urn:oid:2.16.840.1.113883.6.90': 'http://hl7.org/fhir/sid/icd-10-cm',
  'urn:oid:2.16.840.1.113883.6.88': 'http://www.nlm.nih.gov/research/umls/rxnorm',
  'urn:oid:2.16.840.1.113883.12.292': 'http://hl7.org/fhir/sid/cvx',
  'urn:oid:2.16.840.1.113883.6.73': 'http://www.whocc.no/atc',
  'http://www.icd10data.com/icd10pcs': 'http://www.cms.gov/Medicare/Coding/ICD10',
  'http://hl7.org/fhir/sid/icd-10-pcs': 'http://www.cms.gov/Medicare/Coding/ICD10',
  'http://www.orpha.net/ORDO': 'http://www.orpha.net',
  'https://www.orpha.net': 'http://www.orpha.net',
};

export function canonicalSystem(system: string | undefined): string {
  if (system === undefined) return '';
  const trimmed = system.trim();
  return SYSTEM_ALIASES[trimmed] ?? SYSTEM_SYNONYMS[trimmed] ?? trimmed;
}

/**
 * The written form a code is compared in. ICD-10 codes compare without their dot (M32.14 ==
 * M3214) and CVX codes without leading zeros ("3" == "03"), because EHRs send them both ways;
 * otherwise codes compare exactly, case included (codes are case-sensitive).
 */
export function canonicalCode(system: string, code: string): string {
  const trimmed = code.trim();
  if (system === SYSTEM_ALIASES.icd10cm || system === SYSTEM_ALIASES.icd10 || system === SYSTEM_ALIASES.icd10pcs) {
    return trimmed.replace(/\./g, '');
  }
  if (system === SYSTEM_ALIASES.cvx && /^\d+$/.test(trimmed)) return trimmed.replace(/^0+(?=\d)/, '');
  if (system === SYSTEM_ALIASES.orphanet) return trimmed.replace(/^ORPHA:/i, '');
  return trimmed;
}
