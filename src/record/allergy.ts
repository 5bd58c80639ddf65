import { ignore, type RecordBuilder } from './builder';
import { concept, concepts, list, obj, statusCode, str } from './read';
import { RETRACTED_VERIFICATION } from './statuses';
import type { AllergyFact, Concept } from './types';

export function addAllergy(builder: RecordBuilder, resource: Record<string, unknown>, reference: string): void {
  const code = concept(resource.code);
  const verificationStatus = statusCode(resource.verificationStatus);
  if (verificationStatus !== undefined && RETRACTED_VERIFICATION.has(verificationStatus)) {
    ignore(builder, reference, 'AllergyIntolerance', `verificationStatus ${verificationStatus}`, code);
    return;
  }
  const category: string[] = [];
  for (const item of list(resource.category)) {
    const c = str(item);
    if (c !== undefined) category.push(c);
  }
  const reactions: AllergyFact['reactions'] = [];
  for (const item of list(resource.reaction)) {
    const reaction = obj(item);
    if (!reaction) continue;
    const entry: { severity?: string; manifestations: Concept[]; substance?: Concept } = { manifestations: concepts(reaction.manifestation) };
    const severity = str(reaction.severity);
    if (severity !== undefined) entry.severity = severity;
    const substance = concept(reaction.substance);
    if (substance) entry.substance = substance;
    reactions.push(entry);
  }
  // An allergy may be recorded by its reaction's substance only; code is optional in R4.
  const fact: AllergyFact = { reference, code: code ?? { codings: [] }, category, reactions };
  const criticality = str(resource.criticality);
  if (criticality !== undefined) fact.criticality = criticality;
  const clinicalStatus = statusCode(resource.clinicalStatus);
  if (clinicalStatus !== undefined) fact.clinicalStatus = clinicalStatus;
  if (verificationStatus !== undefined) fact.verificationStatus = verificationStatus;
  const recordedDate = str(resource.recordedDate);
  if (recordedDate !== undefined) fact.recordedDate = recordedDate;
  builder.record.allergies.push(fact);
}
