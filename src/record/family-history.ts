import { ignore, unreadable, type RecordBuilder } from './builder';
import { concept, list, obj, str } from './read';
import { FAMILY_HISTORY_STATUS, judgeStatus } from './statuses';
import type { Concept, FamilyHistoryFact } from './types';

/** SNOMED CT 160266009 "No family history of clinical finding": the question was asked and nothing runs in the family. */
const NO_KNOWN_FAMILY_HISTORY = '160266009';
const SNOMED_SYSTEMS = new Set(['http://snomed.info/sct', 'urn:oid:2.16.840.1.113883.6.96']);

/** A FamilyMemberHistory: one relative, what they had, and how complete the record says it is. */
export function addFamilyHistory(builder: RecordBuilder, resource: Record<string, unknown>, reference: string): void {
  const status = str(resource.status);
  const verdict = judgeStatus(FAMILY_HISTORY_STATUS, status);
  if (!verdict.counts) {
    ignore(builder, reference, 'FamilyMemberHistory', verdict.reason);
    return;
  }
  const relationship = concept(resource.relationship) ?? { codings: [] };
  const fact: FamilyHistoryFact = { reference, status: status as string, relationship, conditions: [], noKnownHistory: false };
  for (const [i, item] of list(resource.condition).entries()) {
    const code = concept(obj(item)?.code);
    if (!code) {
      // A relative's condition that cannot be read may be the one a criterion asks about.
      unreadable(builder, 'FamilyMemberHistory', reference, `condition[${i}] has no readable code`);
      return;
    }
    if (isNoKnownHistory(code)) fact.noKnownHistory = true;
    else fact.conditions.push(code);
  }
  const absent = concept(resource.dataAbsentReason);
  const absentCode = absent?.codings.find((c) => c.code !== undefined)?.code ?? absent?.text;
  if (absentCode !== undefined) fact.dataAbsentReason = absentCode;
  const date = str(resource.date);
  if (date !== undefined) fact.date = date;
  builder.record.familyHistory.push(fact);
}

function isNoKnownHistory(code: Concept): boolean {
  return code.codings.some((c) => SNOMED_SYSTEMS.has(c.system?.trim() ?? '') && c.code?.trim() === NO_KNOWN_FAMILY_HISTORY);
}
