/**
 * `code:below` needs the code system's hierarchy. Without a terminology server the embedded
 * server only knows systems whose hierarchy is spelled in the code itself (ICD chapters and
 * subcategories, ATC levels): there "below" is a prefix. Any other system is refused with 400
 * rather than answered wrongly (a SNOMED CT prefix means nothing).
 */
const PREFIX_HIERARCHIES = new Set([
  'http://hl7.org/fhir/sid/icd-10',
  'http://hl7.org/fhir/sid/icd-10-cm',
  'http://hl7.org/fhir/sid/icd-9-cm',
  'http://www.whocc.no/atc',
]);

export function hasPrefixHierarchy(system: string): boolean {
  return PREFIX_HIERARCHIES.has(system);
}

export function prefixHierarchySystems(): string[] {
  return [...PREFIX_HIERARCHIES];
}

/** ICD codes are written with and without the dot ("M32.14", "M3214"); compare without it. */
export function isBelow(code: string, ancestor: string): boolean {
  return code.replaceAll('.', '').toUpperCase().startsWith(ancestor.replaceAll('.', '').toUpperCase());
}
