import { unreadable, type RecordBuilder } from './builder';
import { concept, list, obj, str } from './read';
import { relativeReference } from './references';
import type { Concept } from './types';

export interface ResolvedMedication {
  concept: Concept;
  ingredientConcepts: Concept[];
  /** The reference that could not be followed, when it could not. */
  unresolved?: string;
}

/**
 * The medication of a statement, request or administration: medicationCodeableConcept, or
 * medicationReference followed to a contained ("#id") or separate ("Medication/id",
 * absolute URL; urn:uuid already rewritten by the reader) Medication, with its ingredients.
 */
export function resolveMedication(builder: RecordBuilder, resource: Record<string, unknown>, reference: string): ResolvedMedication | undefined {
  const coded = concept(resource.medicationCodeableConcept);
  if (coded) return { concept: coded, ingredientConcepts: [] };
  const pointer = obj(resource.medicationReference);
  if (!pointer) return undefined;
  const target = str(pointer.reference);
  const display = str(pointer.display);
  const medication = target === undefined ? undefined : findMedication(builder, resource, target);
  if (!medication) {
    if (target === undefined && display === undefined) return undefined;
    // What the Medication says is unknown: criteria about medications cannot rest on its absence.
    unreadable(builder, 'Medication', reference, `its medicationReference ${target ?? '(none)'} could not be resolved${display ? `; only its display text "${display}" is known` : ''}`);
    return { concept: textConcept(display), ingredientConcepts: [], unresolved: target ?? '(no reference)' };
  }
  const ingredientConcepts: Concept[] = [];
  for (const item of list(medication.ingredient)) {
    const ingredient = obj(item);
    if (!ingredient) continue;
    const direct = concept(ingredient.itemCodeableConcept);
    if (direct) {
      ingredientConcepts.push(direct);
      continue;
    }
    const itemRef = obj(ingredient.itemReference);
    const itemTarget = str(itemRef?.reference);
    const nested = itemTarget === undefined ? undefined : findMedication(builder, resource, itemTarget);
    const nestedConcept = concept(nested?.code) ?? (str(itemRef?.display) === undefined ? undefined : textConcept(str(itemRef?.display)));
    if (nestedConcept) ingredientConcepts.push(nestedConcept);
  }
  const own = concept(medication.code) ?? textConcept(display);
  if (own.codings.length === 0 && own.text === undefined && ingredientConcepts.length === 0) {
    unreadable(builder, 'Medication', reference, `the Medication ${target ?? ''} it refers to has no code, text or ingredients`);
  }
  return { concept: own, ingredientConcepts };
}

function findMedication(builder: RecordBuilder, container: Record<string, unknown>, target: string): Record<string, unknown> | undefined {
  if (target.startsWith('#')) {
    const id = target.slice(1);
    for (const item of list(container.contained)) {
      const contained = obj(item);
      if (contained && contained.resourceType === 'Medication' && contained.id === id) return contained;
    }
    return undefined;
  }
  const key = relativeReference(target);
  return key === undefined ? undefined : builder.medications.get(key);
}

function textConcept(text: string | undefined): Concept {
  return text === undefined ? { codings: [] } : { codings: [], text };
}
