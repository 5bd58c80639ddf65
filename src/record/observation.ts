import { ignore, warn, type RecordBuilder } from './builder';
import { normaliseInterpretation } from './interpretation';
import { readValue } from './observation-value';
import { parseFhirDateTime } from './fhir-date';
import { concept, list, obj, range, str } from './read';
import { judgeStatus, OBSERVATION_STATUS } from './statuses';
import type { ObservationFact, RangeLite } from './types';

const NORMAL_RANGE = 'normal';

/** When the Observation says it was taken, and when it was issued: shared by its components. */
interface When {
  date: string | undefined;
  issued: number | undefined;
}

/** An Observation becomes one fact, plus one per component (each with `componentIndex`). */
export function addObservation(builder: RecordBuilder, resource: Record<string, unknown>, reference: string): void {
  const code = concept(resource.code);
  const status = str(resource.status);
  const verdict = judgeStatus(OBSERVATION_STATUS, status);
  if (!verdict.counts) {
    ignore(builder, reference, 'Observation', verdict.reason, code);
    return;
  }
  if (!code) {
    warn(builder, reference, 'skipped: the Observation has no code or code text');
    return;
  }
  const date = str(resource.effectiveDateTime) ?? str(resource.effectiveInstant) ?? str(obj(resource.effectivePeriod)?.start);
  const issuedText = str(resource.issued);
  const when: When = { date, issued: issuedText === undefined ? undefined : parseFhirDateTime(issuedText)?.instant };
  const components = list(resource.component);
  const hasOwnResult = resource.dataAbsentReason !== undefined || hasValue(resource);
  if (hasOwnResult || components.length === 0) {
    const fact = factOf(builder, resource, reference, code, status as string, when);
    builder.record.observations.push(fact);
  }
  for (let i = 0; i < components.length; i++) {
    const component = obj(components[i]);
    const componentCode = concept(component?.code);
    if (!component || !componentCode) {
      warn(builder, reference, `component[${i}] skipped: no code`);
      continue;
    }
    const fact = factOf(builder, component, reference, componentCode, status as string, when);
    fact.componentIndex = i;
    builder.record.observations.push(fact);
  }
}

function factOf(
  builder: RecordBuilder,
  holder: Record<string, unknown>,
  reference: string,
  code: ObservationFact['code'],
  status: string,
  { date, issued }: When,
): ObservationFact {
  const fact: ObservationFact = { reference, code, status, interpretation: normaliseInterpretation(holder.interpretation) };
  if (date !== undefined) {
    fact.date = date;
    const instant = parseFhirDateTime(date)?.instant;
    if (instant !== undefined) fact.instant = instant;
  }
  if (issued !== undefined) fact.issued = issued;
  const value = readValue(holder);
  if (value !== undefined) {
    if ('problem' in value) {
      warn(builder, reference, `value not used: ${value.problem}`);
      fact.valueProblem = value.problem;
    } else fact.value = value;
  }
  const referenceRange = normalRange(holder.referenceRange);
  if (referenceRange) fact.referenceRange = referenceRange;
  const absent = holder.dataAbsentReason;
  if (absent !== undefined) {
    const reason = concept(absent);
    fact.dataAbsentReason = reason?.codings[0]?.code ?? reason?.text ?? reason?.codings[0]?.display ?? 'unknown';
  }
  return fact;
}

/**
 * The range for the normal population: the first one without a type or typed "normal".
 * Therapeutic, recommended and other typed ranges are not upper limits of normal.
 */
function normalRange(value: unknown): RangeLite | undefined {
  for (const item of list(value)) {
    const r = obj(item);
    if (!r) continue;
    const type = concept(r.type);
    const isNormal = !type || type.codings.some((c) => c.code === NORMAL_RANGE) || (type.codings.length === 0 && /normal/i.test(type.text ?? ''));
    if (!isNormal) continue;
    const parsed = range(r);
    if (parsed) return parsed;
  }
  return undefined;
}

function hasValue(holder: Record<string, unknown>): boolean {
  for (const key in holder) {
    if (key.length > 5 && key.startsWith('value')) return true;
  }
  return false;
}
