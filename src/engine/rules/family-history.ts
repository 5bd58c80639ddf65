import type { FamilyHistoryRule } from '../../mapping/schema';
import type { Concept, FamilyHistoryFact } from '../../record/types';
import type { EvidenceItem } from '../../report/types';
import type { EvalContext } from '../context';
import { dayOf } from '../dates';
import { result, type RuleResult } from '../result';
import { conceptLabel, matchAny, textOnly, valueSetNames } from './match';

/** FamilyMemberHistory.relationship is bound to v3 RoleCode (the FamilyMember value set). */
const ROLE_CODE_SYSTEMS = new Set(['http://terminology.hl7.org/CodeSystem/v3-RoleCode', 'http://hl7.org/fhir/v3/RoleCode', 'urn:oid:2.16.840.1.113883.5.111']);

/** Parents, siblings (twins included) and children. BRO and SIS may be half-siblings: counted, as the safer reading for an exclusion. */
const FIRST_DEGREE: ReadonlySet<string> = new Set([
  'PRN', 'NPRN', 'FTH', 'NFTH', 'MTH', 'NMTH',
  'SIB', 'NSIB', 'BRO', 'NBRO', 'SIS', 'NSIS', 'TWIN', 'TWINBRO', 'TWINSIS', 'FTWIN', 'FTWINBRO', 'FTWINSIS', 'ITWIN', 'ITWINBRO', 'ITWINSIS',
  'CHILD', 'NCHILD', 'SON', 'SONC', 'DAU', 'DAUC',
]);

/** Blood relatives beyond the first degree. */
const OTHER_BLOOD: ReadonlySet<string> = new Set([
  'HSIB', 'HBRO', 'HSIS',
  'GRPRN', 'GRFTH', 'GRMTH', 'MGRPRN', 'MGRFTH', 'MGRMTH', 'PGRPRN', 'PGRFTH', 'PGRMTH',
  'GGRPRN', 'GGRFTH', 'GGRMTH', 'MGGRPRN', 'MGGRFTH', 'MGGRMTH', 'PGGRPRN', 'PGGRFTH', 'PGGRMTH',
  'AUNT', 'MAUNT', 'PAUNT', 'UNCLE', 'MUNCLE', 'PUNCLE', 'COUSN', 'MCOUSN', 'PCOUSN',
  'NIENEPH', 'NIECE', 'NEPHEW', 'GRNDCHILD', 'GRNDDAU', 'GRNDSON',
]);

/** Relatives by marriage, adoption, fostering or a step-parent: no shared inheritance. */
const NOT_BLOOD: ReadonlySet<string> = new Set([
  'ADOPTP', 'ADOPTF', 'ADOPTM', 'CHLDADOPT', 'DAUADOPT', 'SONADOPT',
  'PRNFOST', 'FTHFOST', 'MTHFOST', 'CHLDFOST', 'DAUFOST', 'SONFOST',
  'STPPRN', 'STPFTH', 'STPMTH', 'STPSIB', 'STPBRO', 'STPSIS', 'STPCHLD', 'STPSON', 'STPDAU',
  'INLAW', 'PRNINLAW', 'FTHINLAW', 'MTHINLAW', 'SIBINLAW', 'BROINLAW', 'SISINLAW', 'CHLDINLAW', 'SONINLAW', 'DAUINLAW',
  'SPS', 'HUSB', 'WIFE', 'DOMPART', 'FMRSPS', 'SIGOTHR',
]);

/** Whether a relative is one the rule asks about: yes, no, or "cannot tell" (a relationship not coded in v3 RoleCode). */
function relativeCounts(relationship: Concept, relatives: FamilyHistoryRule['relatives']): 'yes' | 'no' | 'unsure' {
  if (relatives === 'any') return 'yes';
  const code = relationship.codings.find((c) => c.code !== undefined && (c.system === undefined || ROLE_CODE_SYSTEMS.has(c.system)))?.code;
  if (code === undefined) return 'unsure';
  if (FIRST_DEGREE.has(code)) return 'yes';
  if (OTHER_BLOOD.has(code)) return relatives === 'blood' ? 'yes' : 'no';
  if (NOT_BLOOD.has(code)) return 'no';
  // FAMMEMB, EXT and codes of other kinds say a relative but not which.
  return 'unsure';
}

function relativeName(relationship: Concept): string {
  return relationship.text ?? relationship.codings.find((c) => c.display)?.display ?? relationship.codings.find((c) => c.code)?.code ?? 'a relative';
}

const WHICH: Record<FamilyHistoryRule['relatives'], string> = { any: 'relative', blood: 'blood relative', 'first-degree': 'first-degree relative' };

/**
 * A relative's condition in the value sets (FamilyHistoryRule). A match by code for a relative
 * who counts decides; a name-only match or a relative eligo cannot place is for a person. With no
 * match, absence is an answer only where the family history was taken: a completed record or an
 * explicit "no known family history", and no relative whose history is unknown or withheld.
 */
export function evaluateFamilyHistory(rule: FamilyHistoryRule, ctx: EvalContext): RuleResult {
  const names = valueSetNames(ctx, rule.valueSets);
  const which = WHICH[rule.relatives];
  const records = ctx.record.familyHistory.filter((f) => {
    const day = dayOf(f.date);
    return day === undefined || day <= ctx.asOfDay;
  });
  const found: EvidenceItem[] = [];
  const confirm: string[] = [];
  const shown: string[] = [];
  let definite = 0;
  for (const record of records) {
    const counts = relativeCounts(record.relationship, rule.relatives);
    if (counts === 'no') continue;
    for (const condition of record.conditions) {
      const m = matchAny(ctx, rule.valueSets, condition);
      if (!m) continue;
      const relative = relativeName(record.relationship);
      const label = `${conceptLabel(condition, m.matched ?? m.valueSet)} (${relative})`;
      const notes = [...(m.byText ? ['matched by display text, not by code'] : []), ...(counts === 'unsure' ? ['relationship not coded as v3 RoleCode'] : [])];
      found.push(evidenceOf(record, label, notes.join('; ') || undefined));
      shown.push(label);
      if (counts === 'unsure') confirm.push(`${label}: confirm "${relative}" is a ${which}`);
      else if (textOnly(m)) confirm.push(`${label} recorded only by name ("${m.matched ?? ''}"): confirm it is one`);
      else definite += 1;
    }
  }
  if (definite > 0) return result('true', `family history of ${names}: ${shown.slice(0, 4).join(', ')}`, { evidence: found });
  if (confirm.length > 0) return result('review', `family history of ${names}: ${shown.slice(0, 4).join(', ')}; to confirm: ${confirm.join('; ')}`, { evidence: found, confirm });

  // Nothing found: whether that is an answer depends on what the record says was asked.
  const relevant = records.filter((r) => relativeCounts(r.relationship, rule.relatives) !== 'no');
  const unknownRelatives = relevant.filter((r) => r.status === 'health-unknown' || r.dataAbsentReason !== undefined);
  if (unknownRelatives.length > 0) {
    const why = unknownRelatives.map((r) => `the history of ${relativeName(r.relationship)} is ${r.dataAbsentReason !== undefined ? `not available (${r.dataAbsentReason})` : 'recorded as unknown'} (${r.reference})`);
    return result('unknown', `no ${which} with ${names} recorded, but ${why.join('; ')}`, { evidence: unknownRelatives.map((r) => evidenceOf(r, relativeName(r.relationship))), missing: why });
  }
  const answered = records.filter((r) => r.status === 'completed' || r.noKnownHistory);
  if (answered.length > 0) {
    return result('false', `no ${which} with ${names} in the family history (${answered.length} completed record${answered.length === 1 ? '' : 's'})`, {
      evidence: answered.slice(0, 4).map((r) => evidenceOf(r, r.noKnownHistory ? 'no known family history' : relativeName(r.relationship))),
    });
  }
  if (records.length > 0) {
    const why = `the family history is recorded as partial only (${records.map((r) => r.reference).slice(0, 3).join(', ')}): absence of ${names} in it is not shown`;
    return result('unknown', why, { evidence: records.slice(0, 4).map((r) => evidenceOf(r, relativeName(r.relationship))) });
  }
  if (rule.absentIs === 'false') return result('false', `no family history of ${names} recorded`);
  return result('unknown', `no family history recorded (no FamilyMemberHistory): whether a ${which} had ${names} is not known`);
}

function evidenceOf(record: FamilyHistoryFact, value: string, note?: string): EvidenceItem {
  const notes = [`status ${record.status}`, ...(note ? [note] : [])];
  const item: EvidenceItem = { reference: record.reference, value, note: notes.join('; ') };
  if (record.date) item.date = record.date.slice(0, 10);
  return item;
}
