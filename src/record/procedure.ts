import { ignore, unreadable, warn, type RecordBuilder } from './builder';
import { concept, concepts, obj, str } from './read';
import { judgeStatus, PROCEDURE_STATUS } from './statuses';
import type { PlannedProcedureFact, ProcedureFact } from './types';

export function addProcedure(builder: RecordBuilder, resource: Record<string, unknown>, reference: string): void {
  const code = concept(resource.code);
  const status = str(resource.status);
  // A procedure in preparation has not been done: it is planned (for planned-procedure rules).
  if (status === 'preparation' && code) {
    const planned: PlannedProcedureFact = { reference, source: 'Procedure', code, status };
    const date = str(resource.performedDateTime) ?? str(obj(resource.performedPeriod)?.start);
    if (date !== undefined) planned.date = date;
    builder.record.plannedProcedures.push(planned);
    ignore(builder, reference, 'Procedure', 'status preparation: planned, not done', code);
    return;
  }
  if (status === 'unknown' && code) {
    // The source does not know whether it was done: a rule resting on its absence cannot decide.
    unreadable(builder, 'Procedure', reference, 'status unknown: the source does not say whether it was done', code);
    return;
  }
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
  const sites = concepts(resource.bodySite);
  if (sites.length > 0) fact.bodySites = sites;
  builder.record.procedures.push(fact);
}
