import { ignore, warn, type RecordBuilder } from './builder';
import { concept, concepts, list, obj, str } from './read';
import { DIAGNOSTIC_REPORT_STATUS, judgeStatus } from './statuses';
import type { DiagnosticReportFact } from './types';

/**
 * A DiagnosticReport becomes a report fact, and each conclusionCode also a coded observation
 * fact (`fromReport`), so a biopsy class or an imaging finding is found where lab results are.
 */
export function addDiagnosticReport(builder: RecordBuilder, resource: Record<string, unknown>, reference: string): void {
  const code = concept(resource.code);
  const status = str(resource.status);
  const verdict = judgeStatus(DIAGNOSTIC_REPORT_STATUS, status);
  if (!verdict.counts) {
    ignore(builder, reference, 'DiagnosticReport', verdict.reason, code);
    return;
  }
  if (!code) {
    warn(builder, reference, 'skipped: the DiagnosticReport has no code or code text');
    return;
  }
  const conclusionCodes = concepts(resource.conclusionCode);
  const result: string[] = [];
  for (const item of list(resource.result)) {
    const ref = str(obj(item)?.reference);
    if (ref !== undefined) result.push(ref);
  }
  const fact: DiagnosticReportFact = { reference, code, status: status as string, conclusionCodes, result };
  const date = str(resource.effectiveDateTime) ?? str(obj(resource.effectivePeriod)?.start);
  if (date !== undefined) fact.date = date;
  const conclusion = str(resource.conclusion);
  if (conclusion !== undefined) fact.conclusion = conclusion;
  builder.record.reports.push(fact);

  for (const conclusionCode of conclusionCodes) {
    builder.record.observations.push({
      reference,
      code,
      status: fact.status,
      value: { kind: 'coded', concept: conclusionCode },
      interpretation: [],
      fromReport: true,
      ...(date === undefined ? {} : { date }),
    });
  }
}
