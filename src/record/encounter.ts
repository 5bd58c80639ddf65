import { ignore, warn, type RecordBuilder } from './builder';
import { concept, concepts, list, num, obj, str } from './read';
import { relativeReference } from './references';
import { ENCOUNTER_STATUS, judgeStatus } from './statuses';
import type { CodingLite, Concept, EncounterFact } from './types';

/**
 * An Encounter: its class, types, reasons and period, nothing more. Records carry hundreds of
 * them (Synthea: a visit a month), and only a few criteria read them, so the reader stays lean:
 * the reasons are kept as the references they are and resolved by the engine, once, when a
 * rule asks.
 */
export function addEncounter(builder: RecordBuilder, resource: Record<string, unknown>, reference: string): void {
  const status = str(resource.status);
  const verdict = judgeStatus(ENCOUNTER_STATUS, status);
  if (!verdict.counts) {
    ignore(builder, reference, 'Encounter', verdict.reason);
    return;
  }
  const fact: EncounterFact = { reference, status: status as string, types: concepts(resource.type), reasons: [] };
  const cls = coding(resource.class);
  if (cls) fact.class = cls;
  const period = obj(resource.period);
  const start = str(period?.start);
  if (start !== undefined) fact.start = start;
  const end = str(period?.end);
  if (end !== undefined) fact.end = end;
  const partOf = referenceOf(resource.partOf);
  if (partOf !== undefined) fact.partOf = partOf;

  const contained = containedCodes(resource.contained);
  // Only this encounter's reason is unknown: the other encounters still say what they say.
  const unreadableReason = (why: string, primary: boolean): void => {
    warn(builder, reference, `a reason could not be read: ${why}`);
    fact.reasons.push({ unreadable: why, primary });
  };
  const addReference = (value: unknown, primary: boolean, field: string): void => {
    const target = str(obj(value)?.reference);
    if (target === undefined) {
      // A reference by display only names the reason in words: a match on it is by name.
      const display = str(obj(value)?.display);
      if (display !== undefined) fact.reasons.push({ concept: { codings: [], text: display }, primary });
      return;
    }
    if (target.startsWith('#')) {
      const inside = contained.get(target.slice(1));
      if (inside) fact.reasons.push({ concept: inside, primary });
      else unreadableReason(`its ${field} ${target} names no contained resource with a code`, primary);
      return;
    }
    const relative = relativeReference(target);
    if (relative === undefined) unreadableReason(`its ${field} "${target}" is not a reference eligo can follow`, primary);
    else fact.reasons.push({ reference: relative, primary });
  };
  for (const reason of concepts(resource.reasonCode)) fact.reasons.push({ concept: reason, primary: true });
  for (const item of list(resource.reasonReference)) addReference(item, true, 'reasonReference');
  const diagnoses = list(resource.diagnosis).map(obj).filter((d): d is Record<string, unknown> => d !== undefined);
  for (const diagnosis of diagnoses) {
    // The stay's primary diagnosis is rank 1, or the only one; the others it was not necessarily for.
    const rank = num(diagnosis.rank);
    addReference(diagnosis.condition, rank === 1 || (rank === undefined && diagnoses.length === 1), 'diagnosis.condition');
  }
  builder.record.encounters.push(fact);
}

function coding(value: unknown): CodingLite | undefined {
  const c = obj(value);
  if (!c) return undefined;
  const out: CodingLite = {};
  const system = str(c.system);
  const code = str(c.code);
  const display = str(c.display);
  if (system !== undefined) out.system = system;
  if (code !== undefined) out.code = code;
  if (display !== undefined) out.display = display;
  return code === undefined && display === undefined ? undefined : out;
}

function referenceOf(value: unknown): string | undefined {
  const target = str(obj(value)?.reference);
  return target === undefined ? undefined : relativeReference(target);
}

function containedCodes(value: unknown): Map<string, Concept> {
  const out = new Map<string, Concept>();
  for (const item of list(value)) {
    const resource = obj(item);
    const id = str(resource?.id);
    const code = concept(resource?.code);
    if (id !== undefined && code) out.set(id, code);
  }
  return out;
}
