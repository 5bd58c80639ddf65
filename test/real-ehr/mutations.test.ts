/**
 * Property test (issue 9): corrupt the eligible examples the ways feeds corrupt records — types,
 * dates, units, statuses, duplicates — one resource and one corruption at a time, and check that
 * no criterion is `met` on the strength of the corrupted resource: one that read it is either no
 * longer `met` or met on the other data alone (as it is with the resource deleted: an
 * alternative of an "any", a score above its threshold without that item).
 * Every resource of both examples and every corruption: an exhaustive walk, not a random sample.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Bundle, Resource } from '@medplum/fhirtypes';
import { evaluate } from '../../src/engine/evaluate';
import { groupResourcesByPatient } from '../../src/input';
import { getTrial } from '../../src/mapping/compile';
import { normalise, normaliseOptionsOf } from '../../src/record/normalise';
import type { EligibilityReport } from '../../src/report/types';
import { catalog } from './helpers';

type Json = Record<string, unknown>;

const DATE_FIELDS = ['effectiveDateTime', 'onsetDateTime', 'occurrenceDateTime', 'performedDateTime', 'authoredOn', 'recordedDate'];

/** Each corruption returns false when it does not apply to the resource. */
const CORRUPTIONS: Record<string, (resource: Json, bundle: Bundle) => boolean> = {
  'status in the wrong case': (r) => {
    if (typeof r.status !== 'string') return false;
    r.status = r.status.toUpperCase();
    return true;
  },
  'date with trailing garbage': (r) => {
    const field = DATE_FIELDS.find((f) => typeof r[f] === 'string');
    if (field) {
      r[field] = `${String(r[field])}garbage`;
      return true;
    }
    const period = (r.effectivePeriod ?? r.performedPeriod) as Json | undefined;
    if (period && typeof period.start === 'string') {
      period.start = `${period.start}garbage`;
      return true;
    }
    return false;
  },
  'code that is not a CodeableConcept': (r) => {
    const field = ['code', 'medicationCodeableConcept', 'vaccineCode'].find((f) => r[f] !== undefined);
    if (!field) return false;
    r[field] = 'see chart';
    return true;
  },
  'value of the wrong type': (r) => {
    const q = r.valueQuantity as Json | undefined;
    if (!q) return false;
    q.value = String(q.value);
    return true;
  },
  'value with no unit': (r) => {
    const q = r.valueQuantity as Json | undefined;
    // Scores and other annotations are unit-less by the mapping's own say (unitlessAs).
    if (!q || q.code === '1' || String(q.code ?? q.unit ?? '').startsWith('{') || (q.unit === undefined && q.code === undefined)) return false;
    delete q.unit;
    delete q.code;
    delete q.system;
    return true;
  },
  'implausible value': (r) => {
    const q = r.valueQuantity as Json | undefined;
    if (!q || typeof q.value !== 'number') return false;
    q.value = q.value >= 0 ? -Math.max(q.value, 1) * 1e6 : 1e30;
    return true;
  },
  'the same id again with a different value': (r, bundle) => {
    const q = r.valueQuantity as Json | undefined;
    if (!q || typeof q.value !== 'number') return false;
    const copy = structuredClone(r);
    (copy.valueQuantity as Json).value = (q.value as number) * 3 + 1;
    bundle.entry?.push({ resource: copy as unknown as Resource });
    return true;
  },
};

function screen(trialId: string, bundle: Bundle): EligibilityReport {
  const { patients } = groupResourcesByPatient(bundle, { source: 'mutation' });
  const patient = patients[0];
  if (!patient) throw new Error('no patient');
  return evaluate(getTrial(catalog, trialId), normalise(patient.resources, normaliseOptionsOf(patient)), { asOf: '2026-06-15', leukapheresisDate: '2026-07-01' }, { version: 'test' });
}

const EXAMPLES: [string, string][] = [
  ['sle-cart', 'sle-eligible'],
  ['ssc-cart', 'ssc-eligible'],
];

describe.each(EXAMPLES)('%s: corruptions of %s', (trialId, name) => {
  const original = JSON.parse(readFileSync(join(__dirname, '../../examples', `${name}.json`), 'utf8')) as Bundle;
  const baseline = screen(trialId, structuredClone(original));
  const cases: [string, string, Bundle, string[], string[]][] = [];
  for (const entry of original.entry ?? []) {
    const resource = entry.resource;
    if (!resource || resource.resourceType === 'Patient') continue;
    const reference = `${resource.resourceType}/${resource.id ?? ''}`;
    const readers = baseline.criteria.filter((c) => c.status === 'met' && c.evidence.some((e) => e.reference === reference)).map((c) => c.id);
    if (readers.length === 0) continue;
    const without = structuredClone(original);
    without.entry = (without.entry ?? []).filter((e) => `${e.resource?.resourceType}/${e.resource?.id ?? ''}` !== reference);
    const metWithout = screen(trialId, without).criteria.filter((c) => c.status === 'met').map((c) => c.id);
    for (const [label, corrupt] of Object.entries(CORRUPTIONS)) {
      const bundle = structuredClone(original);
      const target = bundle.entry?.find((e) => `${e.resource?.resourceType}/${e.resource?.id ?? ''}` === reference)?.resource as unknown as Json;
      if (corrupt(target, bundle)) cases.push([reference, label, bundle, readers, metWithout]);
    }
  }

  it('starts from an eligible patient and has corruptions to try', () => {
    expect(baseline.outcome).toBe('eligible');
    expect(cases.length).toBeGreaterThan(20);
  });

  it.each(cases)('%s, %s: nothing is met on the strength of it', (_reference, _label, bundle, readers, metWithout) => {
    const report = screen(trialId, bundle);
    const metOnIt = report.criteria
      .filter((c) => readers.includes(c.id) && c.status === 'met' && !metWithout.includes(c.id))
      .map((c) => `${c.id}: ${c.explanation}`);
    expect(metOnIt).toEqual([]);
  });
});
