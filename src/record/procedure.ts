import { ignore, warn, type RecordBuilder } from './builder';
import { concept, obj, str } from './read';
import { judgeStatus, PROCEDURE_STATUS } from './statuses';
import type { ProcedureFact } from './types';

export function addProcedure(builder: RecordBuilder, resource: Record<string, unknown>, reference: string): void {
  const code = concept(resource.code);
  const status = str(resource.status);
  const verdict = judgeStatus(PROCEDURE_STATUS, status);
  if (!verdict.counts) {
    ignore(builder, reference, 'Procedure', verdict.reason, code);
    return;
  }
  if (!code) {
    warn(builder, reference, 'skipped: the Procedure has no code or code text');
    return;
  }
  const fact: ProcedureFact = { reference, code, status: status as string };
  const dateTime = str(resource.performedDateTime);
  const period = obj(resource.performedPeriod);
  const date = dateTime ?? str(period?.start);
  if (date !== undefined) fact.date = date;
  const end = str(period?.end);
  if (end !== undefined) fact.end = end;
  builder.record.procedures.push(fact);
}
