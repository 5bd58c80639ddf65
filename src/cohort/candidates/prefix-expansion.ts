import { canonicalCode, canonicalSystem } from '../../mapping/systems';
import type { CompiledTrial } from '../../mapping/compile';
import type { CodePrefix } from './diagnosis-codes';

const ICD_SYSTEMS = new Set(['http://hl7.org/fhir/sid/icd-10-cm', 'http://hl7.org/fhir/sid/icd-10', 'http://hl7.org/fhir/sid/icd-9-cm']);

export function isIcdSystem(system: string): boolean {
  return ICD_SYSTEMS.has(system);
}

/**
 * Explicit codes for a prefix, for servers without `code:below`. There is no ICD code system
 * here to enumerate, so this is a best effort: the prefix itself, every code any value set
 * of the terminology lists under it, and the prefix followed by one and two digits (M34 ->
 * M34.0 ... M34.99; M32.1 -> M32.10 ... M32.199), each with and without the dot since EHRs send
 * both. Codes with letters after the category (S72.001A) are not generated; a site that needs
 * them uses a server with `:below` or lists the codes in the value set.
 */
export function expandPrefix(prefix: CodePrefix, trial: CompiledTrial): string[] {
  const raw = canonicalCode(prefix.system, prefix.prefix);
  const codes = new Set<string>([prefix.prefix]);
  for (const def of trial.terminology.valueSetDefs.values()) {
    for (const entry of def.codes) {
      if (entry.code === undefined) continue;
      if (canonicalCodeOf(entry.system, entry.code, prefix.system)?.startsWith(raw)) codes.add(entry.code);
    }
  }
  if (isIcdSystem(prefix.system)) {
    for (let d1 = 0; d1 <= 9; d1++) {
      codes.add(dotted(`${raw}${d1}`));
      for (let d2 = 0; d2 <= 9; d2++) codes.add(dotted(`${raw}${d1}${d2}`));
    }
  }
  return withDotlessVariants(prefix.system, [...codes]);
}

/** ICD codes as written with the dot, plus the dotless spelling some EHRs send ("M32.14" and "M3214"). */
export function withDotlessVariants(system: string, codes: readonly string[]): string[] {
  if (!isIcdSystem(system)) return [...codes];
  const out = new Set<string>();
  for (const code of codes) {
    out.add(code);
    out.add(code.replace(/\./g, ''));
  }
  return [...out];
}

function dotted(raw: string): string {
  return raw.length > 3 ? `${raw.slice(0, 3)}.${raw.slice(3)}` : raw;
}

function canonicalCodeOf(entrySystem: string, code: string, wantedSystem: string): string | undefined {
  const system = canonicalSystem(entrySystem);
  return system === wantedSystem ? canonicalCode(system, code) : undefined;
}
