import { ignore, warn, type RecordBuilder } from './builder';
import { concept, str } from './read';
import { IMMUNIZATION_STATUS, judgeStatus } from './statuses';
import type { ImmunizationFact } from './types';

export function addImmunization(builder: RecordBuilder, resource: Record<string, unknown>, reference: string): void {
  const vaccine = concept(resource.vaccineCode);
  const status = str(resource.status);
  const verdict = judgeStatus(IMMUNIZATION_STATUS, status);
  if (!verdict.counts) {
    ignore(builder, reference, 'Immunization', verdict.reason, vaccine);
    return;
  }
  if (!vaccine) {
    warn(builder, reference, 'skipped: the Immunization has no vaccineCode');
    return;
  }
  const fact: ImmunizationFact = { reference, vaccine, status: status as string };
  const date = str(resource.occurrenceDateTime);
  if (date !== undefined) fact.date = date;
  else warn(builder, reference, 'no occurrenceDateTime: the vaccination date is unknown');
  builder.record.immunizations.push(fact);
}
