import { ignore, warn, type RecordBuilder } from './builder';
import { concept, obj, statusCode, str } from './read';
import { RETRACTED_VERIFICATION } from './statuses';
import type { ConditionFact } from './types';

const ACTIVE_CLINICAL_STATUSES = new Set(['active', 'recurrence', 'relapse']);
const ABATEMENT_KEYS = ['abatementDateTime', 'abatementPeriod', 'abatementAge', 'abatementRange', 'abatementString', 'abatementBoolean'];

export function addCondition(builder: RecordBuilder, resource: Record<string, unknown>, reference: string): void {
  const code = concept(resource.code);
  const verificationStatus = statusCode(resource.verificationStatus);
  if (verificationStatus !== undefined && RETRACTED_VERIFICATION.has(verificationStatus)) {
    ignore(builder, reference, 'Condition', `verificationStatus ${verificationStatus}`, code);
    return;
  }
  if (!code) {
    warn(builder, reference, 'skipped: the Condition has no code or code text');
    return;
  }
  const clinicalStatus = statusCode(resource.clinicalStatus);
  const abated = ABATEMENT_KEYS.some((key) => resource[key] !== undefined && resource[key] !== false);
  const fact: ConditionFact = {
    reference,
    code,
    // CONVENTIONS.md: active, recurrence or relapse; or no clinicalStatus and no abatement.
    active: clinicalStatus === undefined ? !abated : ACTIVE_CLINICAL_STATUSES.has(clinicalStatus),
  };
  if (clinicalStatus !== undefined) fact.clinicalStatus = clinicalStatus;
  if (verificationStatus !== undefined) fact.verificationStatus = verificationStatus;
  const onset = str(resource.onsetDateTime) ?? str(obj(resource.onsetPeriod)?.start) ?? str(resource.onsetString);
  if (onset !== undefined) fact.onset = onset;
  const abatement = str(resource.abatementDateTime) ?? str(obj(resource.abatementPeriod)?.start) ?? str(resource.abatementString);
  if (abatement !== undefined) fact.abatement = abatement;
  const recordedDate = str(resource.recordedDate);
  if (recordedDate !== undefined) fact.recordedDate = recordedDate;
  builder.record.conditions.push(fact);
}
