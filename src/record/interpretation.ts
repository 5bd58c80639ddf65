import { list, obj, str } from './read';

/**
 * Observation.interpretation to v3 ObservationInterpretation codes. v2 table 0078 uses the
 * same codes; both systems (old and new URLs) and local systems carrying those codes are
 * accepted, then the display and text as words.
 */

/** Codes of v3 ObservationInterpretation / v2 0078 that are kept as they are. */
const KNOWN_CODES = new Set([
  '<', '>', 'A', 'AA', 'AC', 'B', 'CAR', 'D', 'DET', 'E', 'EX', 'EXP', 'H', 'HH', 'HM', 'HU', 'HX', 'I', 'IE', 'IND',
  'L', 'LL', 'LU', 'LX', 'MS', 'N', 'NCL', 'ND', 'NEG', 'NR', 'NS', 'OBX', 'POS', 'QCF', 'R', 'RR', 'S', 'SDD',
  'SYN-R', 'SYN-S', 'TOX', 'U', 'UNE', 'VS', 'W', 'WR',
]);

/** Codes with a plainer equivalent the engine already understands. */
const SYNONYM_CODES: Readonly<Record<string, string>> = {
  RR: 'POS', // reactive
  NR: 'NEG', // non-reactive
  E: 'IND', // equivocal
};

const INTERPRETATION_SYSTEMS = new Set([
  'http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation',
  'http://hl7.org/fhir/v3/ObservationInterpretation',
  'http://terminology.hl7.org/CodeSystem/v2-0078',
  'http://hl7.org/fhir/v2/0078',
]);

const WORDS: Readonly<Record<string, string>> = {
  high: 'H',
  'above high normal': 'H',
  'above normal': 'H',
  elevated: 'H',
  low: 'L',
  'below low normal': 'L',
  'below normal': 'L',
  'critical high': 'HH',
  'critically high': 'HH',
  'high critical': 'HH',
  'panic high': 'HH',
  'critical low': 'LL',
  'critically low': 'LL',
  'low critical': 'LL',
  'panic low': 'LL',
  abnormal: 'A',
  'critically abnormal': 'AA',
  'critical abnormal': 'AA',
  normal: 'N',
  positive: 'POS',
  negative: 'NEG',
  detected: 'DET',
  'not detected': 'ND',
  undetected: 'ND',
  indeterminate: 'IND',
  equivocal: 'IND',
  inconclusive: 'IND',
  reactive: 'POS',
  'non-reactive': 'NEG',
  nonreactive: 'NEG',
  'non reactive': 'NEG',
};

export function normaliseInterpretation(value: unknown): string[] {
  const found: string[] = [];
  for (const item of list(value)) {
    const cc = obj(item);
    if (!cc) continue;
    const code = codeOf(cc);
    if (code !== undefined && !found.includes(code)) found.push(code);
  }
  return found;
}

function codeOf(cc: Record<string, unknown>): string | undefined {
  let unrecognised: string | undefined;
  for (const item of list(cc.coding)) {
    const coding = obj(item);
    if (!coding) continue;
    const raw = str(coding.code)?.trim();
    if (raw !== undefined) {
      const upper = raw.toUpperCase();
      if (KNOWN_CODES.has(upper)) return SYNONYM_CODES[upper] ?? upper;
      const system = str(coding.system);
      if (system !== undefined && INTERPRETATION_SYSTEMS.has(system)) unrecognised ??= upper;
    }
    const word = fromWords(str(coding.display));
    if (word !== undefined) return word;
  }
  return fromWords(str(cc.text)) ?? unrecognised;
}

function fromWords(text: string | undefined): string | undefined {
  if (text === undefined) return undefined;
  const key = text.trim().toLowerCase();
  return WORDS[key] ?? (KNOWN_CODES.has(key.toUpperCase()) ? (SYNONYM_CODES[key.toUpperCase()] ?? key.toUpperCase()) : undefined);
}
