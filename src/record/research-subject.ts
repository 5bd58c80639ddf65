import { warn, type RecordBuilder } from './builder';
import { list, obj, str } from './read';
import type { ResearchSubjectFact } from './types';

export function addResearchSubject(builder: RecordBuilder, resource: Record<string, unknown>, reference: string): void {
  const status = str(resource.status);
  if (status === undefined) {
    warn(builder, reference, 'skipped: the ResearchSubject has no status');
    return;
  }
  const fact: ResearchSubjectFact = { reference, status, identifiers: identifiers(resource.identifier) };
  const study = obj(resource.study);
  const studyReference = str(study?.reference);
  if (studyReference !== undefined) fact.studyReference = studyReference;
  const studyIdentifier = identifiers([study?.identifier])[0];
  if (studyIdentifier) fact.studyIdentifier = studyIdentifier;
  const studyDisplay = str(study?.display);
  if (studyDisplay !== undefined) fact.studyDisplay = studyDisplay;
  const period = obj(resource.period);
  const periodStart = str(period?.start);
  if (periodStart !== undefined) fact.periodStart = periodStart;
  const periodEnd = str(period?.end);
  if (periodEnd !== undefined) fact.periodEnd = periodEnd;
  builder.record.researchSubjects.push(fact);
}

function identifiers(value: unknown): { system?: string; value?: string }[] {
  const out: { system?: string; value?: string }[] = [];
  for (const item of list(value)) {
    const identifier = obj(item);
    if (!identifier) continue;
    const system = str(identifier.system);
    const text = str(identifier.value);
    if (system === undefined && text === undefined) continue;
    out.push({ ...(system === undefined ? {} : { system }), ...(text === undefined ? {} : { value: text }) });
  }
  return out;
}
